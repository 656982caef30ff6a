namespace PostTrain.Trainer.Tests;

/// <summary>
/// Entry point used only when a test starts this assembly as a rank:
/// <c>dotnet exec PostTrain.Trainer.Tests.dll dist-worker SCENARIO</c> with MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE set.
/// The test host never calls it.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length >= 2 && args[0] == "dist-worker")
        {
            return Rl.DataParallelUpdateRank.Run(args[1]);
        }

        Console.Error.WriteLine("usage: PostTrain.Trainer.Tests dist-worker SCENARIO (run the tests with dotnet test)");
        return 2;
    }
}
