using System.Text.Json;
using System.Text.Json.Serialization;

namespace PostTrain.Trainer.Training;

/// <summary>What a checkpoint must hold besides the weights so that a resumed run continues exactly: kept in <c>trainer_state.json</c>.</summary>
public sealed record TrainerState
{
    /// <summary>The file name inside a checkpoint directory.</summary>
    public const string FileName = "trainer_state.json";

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Optimizer steps completed.</summary>
    public long Step { get; init; }

    /// <summary>Planned optimizer steps.</summary>
    public long TotalSteps { get; init; }

    /// <summary>The run's seed (data order and dropout depend on it and on the step).</summary>
    public ulong Seed { get; init; }

    /// <summary>Training loss per completed step, for curves and for checking that a resumed run matches.</summary>
    public IReadOnlyList<StepValue> Losses { get; init; } = [];

    /// <summary>Validation loss at each evaluation.</summary>
    public IReadOnlyList<StepValue> ValidationLosses { get; init; } = [];

    /// <summary>How many dataset items the run has drawn (RL refills draw more than steps × batch).</summary>
    public long DataCursor { get; init; }

    /// <summary>Extra scalar series a trainer keeps (RL: reward mean, KL, ...), by name.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<StepValue>> Series { get; init; } = new Dictionary<string, IReadOnlyList<StepValue>>();

    /// <summary>Writes the state into a checkpoint directory.</summary>
    public void Save(string directory) => File.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, Options));

    /// <summary>Reads the state of a checkpoint directory.</summary>
    /// <exception cref="InvalidDataException">The file is missing or not valid.</exception>
    public static TrainerState Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        try
        {
            return JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(path), Options) ?? throw new InvalidDataException($"{path}: empty trainer state");
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            throw new InvalidDataException($"{path}: unreadable trainer state: {e.Message}", e);
        }
    }
}

/// <summary>A value recorded at an optimizer step.</summary>
/// <param name="Step">The step.</param>
/// <param name="Value">The value.</param>
public sealed record StepValue([property: JsonPropertyName("step")] long Step, [property: JsonPropertyName("value")] double Value);
