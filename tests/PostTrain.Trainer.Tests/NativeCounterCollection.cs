namespace PostTrain.Trainer.Tests;

/// <summary>
/// Tests that read the process-wide count of native tensor handles run in this collection, alone, after the parallel
/// ones: a test creating tensors on another thread would otherwise move the count they compare.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NativeCounterCollection
{
    /// <summary>The collection's name, for <c>[Collection]</c>.</summary>
    public const string Name = "native tensor counter";
}
