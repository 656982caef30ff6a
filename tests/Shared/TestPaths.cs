namespace PostTrain.Testing;

/// <summary>Locates the repository and the shared test data that sits beside it.</summary>
internal static class TestPaths
{
    /// <summary>The repository root: the nearest folder above the test binaries holding Operator.sln.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>`../shared/testdata` beside the repository (real tokenizer files and reference encodings).</summary>
    public static string SharedTestData => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "testdata"));

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Operator.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Operator.sln not found above {AppContext.BaseDirectory}");
    }
}
