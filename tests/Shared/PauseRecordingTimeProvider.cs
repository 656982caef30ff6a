using Microsoft.Extensions.Time.Testing;

namespace PostTrain.Testing;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that also records the due time of every timer armed on it, so that a test sees the
/// pauses a retry waits (and can step over exactly those) without sleeping for them.
/// </summary>
internal sealed class PauseRecordingTimeProvider : FakeTimeProvider
{
    private readonly List<TimeSpan> _dueTimes = [];

    /// <summary>The due times of the timers armed so far, in order (infinite ones included).</summary>
    public IReadOnlyList<TimeSpan> DueTimes
    {
        get
        {
            lock (_dueTimes)
            {
                return [.. _dueTimes];
            }
        }
    }

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        lock (_dueTimes)
        {
            _dueTimes.Add(dueTime);
        }

        return base.CreateTimer(callback, state, dueTime, period);
    }

    /// <summary>
    /// Lets <paramref name="work"/> run to its end, advancing the clock by each pause as soon as it is armed; returns the
    /// pauses, in order. A pause is a timer with a positive, finite due time that <paramref name="isPause"/> (when given)
    /// accepts, e.g. to leave out a per-attempt time limit.
    /// </summary>
    public async Task<IReadOnlyList<TimeSpan>> RunPausesAsync(Task work, Func<TimeSpan, bool>? isPause = null)
    {
        var stepped = 0;
        while (true)
        {
            List<TimeSpan> pauses = [];
            await Eventually.TrueAsync(
                () =>
                {
                    pauses = Pauses(isPause);
                    return work.IsCompleted || pauses.Count > stepped;
                },
                "the work ends or arms its next pause");
            if (work.IsCompleted)
            {
                await work;
                return pauses;
            }

            Advance(pauses[stepped++]);
        }
    }

    private List<TimeSpan> Pauses(Func<TimeSpan, bool>? isPause) =>
        [.. DueTimes.Where(d => d > TimeSpan.Zero && d != Timeout.InfiniteTimeSpan && (isPause is null || isPause(d)))];
}
