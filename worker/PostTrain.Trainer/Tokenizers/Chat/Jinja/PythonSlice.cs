namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>The value of <c>start:stop:step</c> inside brackets; a missing part is null.</summary>
internal sealed record PythonSlice(object? Start, object? Stop, object? Step)
{
    /// <summary>The parts as integers, or null when one is neither an int nor None (Jinja2 then yields undefined).</summary>
    public (long? Start, long? Stop, long? Step)? Indices()
    {
        static bool Valid(object? part) => part is null || PythonValues.IsInteger(part);
        if (!Valid(Start) || !Valid(Stop) || !Valid(Step))
        {
            return null;
        }

        return (Start is null ? null : PythonValues.ToLong(Start), Stop is null ? null : PythonValues.ToLong(Stop), Step is null ? null : PythonValues.ToLong(Step));
    }
}
