namespace PostTrain.Torch.Tests;

/// <summary>
/// Entry point used only when the distributed tests start this assembly as a rank:
/// <c>dotnet exec PostTrain.Torch.Tests.dll dist-worker SCENARIO</c> with MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE set.
/// The test host never calls it.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length >= 2 && args[0] == "dist-worker")
        {
            return DistributedWorker.Run(args[1]);
        }

        Console.Error.WriteLine("usage: PostTrain.Torch.Tests dist-worker SCENARIO (run the tests with dotnet test)");
        return 2;
    }
}
