using PostTrain.Trainer.Checkpoints;

namespace PostTrain.Trainer.Tests.Training;

/// <summary>fsync of files and directories (what the checkpoint writer calls before and after its publishing rename).</summary>
public sealed class DurabilityTests : IDisposable
{
    private readonly TempDirectory _dir = new("posttrain-durability-");

    [Fact]
    public void A_tree_of_files_and_folders_syncs_and_a_missing_folder_is_an_error_naming_it()
    {
        Directory.CreateDirectory(Path.Combine(_dir.Path, "a", "b"));
        File.WriteAllText(Path.Combine(_dir.Path, "a", "b", "weights"), "x");
        File.WriteAllText(Path.Combine(_dir.Path, "top"), "y");
        Durability.SyncTree(_dir.Path);
        Durability.SyncFile(Path.Combine(_dir.Path, "top"));

        var missing = Path.Combine(_dir.Path, "not-there");
        var e = Should.Throw<IOException>(() => Durability.SyncDirectory(missing));
        e.Message.ShouldContain(missing);
        Should.Throw<IOException>(() => Durability.SyncDirectory(Path.Combine(_dir.Path, "top"))).Message.ShouldContain("cannot open the directory");
    }

    [Fact]
    public void An_atomic_write_publishes_only_complete_directories()
    {
        var target = Path.Combine(_dir.Path, "checkpoint-000001");
        AtomicDirectory.Write(target, tmp => File.WriteAllText(Path.Combine(tmp, "trainer_state.json"), "{}"));
        Should.Throw<InvalidOperationException>(() => AtomicDirectory.Write(target, tmp =>
        {
            File.WriteAllText(Path.Combine(tmp, "trainer_state.json"), "{\"half\":");
            throw new InvalidOperationException("disk full");
        }));
        File.ReadAllText(Path.Combine(target, "trainer_state.json")).ShouldBe("{}");
        Directory.EnumerateDirectories(_dir.Path).ShouldBe([target]);
    }

    public void Dispose() => _dir.Dispose();
}
