using System.Text;

namespace PostTrain.Metrics;

/// <summary>One label set of a family, with its label text pre-encoded for the exposition.</summary>
internal abstract class Series
{
    private long _observedGeneration;

    protected Series(string labels)
    {
        Labels = labels;
        Braced = labels.Length == 0 ? [] : Encoding.UTF8.GetBytes("{" + labels + "}");
        BucketPrefix = Encoding.UTF8.GetBytes(labels.Length == 0 ? "{" : "{" + labels + ",");
    }

    /// <summary>The label text, e.g. <c>job="a",phase="Running"</c>; empty without labels.</summary>
    public string Labels { get; }

    /// <summary><c>{labels}</c> as UTF-8, or nothing when there are no labels.</summary>
    public byte[] Braced { get; }

    /// <summary><c>{labels,</c> (or <c>{</c>) as UTF-8, followed by the le label in bucket lines.</summary>
    public byte[] BucketPrefix { get; }

    /// <summary>The collection cycle that last reported this series (observable instruments only).</summary>
    public long ObservedGeneration => Volatile.Read(ref _observedGeneration);

    public void MarkObserved(long generation) => Volatile.Write(ref _observedGeneration, generation);
}
