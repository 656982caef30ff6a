namespace PostTrain.GpuBench;

/// <summary>What <c>posttrain-gpu-bench all</c> was asked.</summary>
public sealed record GpuCheckSettings
{
    /// <summary>Measure on the GPU (true) or on the CPU with toy shapes (false).</summary>
    public bool Gpu { get; init; } = true;

    /// <summary>The folder gpu-check.json and gpu-check.md go to.</summary>
    public string Output { get; init; } = "gpu-check";

    /// <summary>The python3 with torch for the PyTorch eager side.</summary>
    public string Python { get; init; } = "python3";

    /// <summary>The PyTorch eager SFT script.</summary>
    public required string Script { get; init; }

    /// <summary>The GPU's dense bf16 peak, for MFU.</summary>
    public double PeakTflops { get; init; } = 989;

    /// <summary>A machine.json to include, or empty.</summary>
    public string Machine { get; init; } = string.Empty;

    /// <summary>A worker.json to include, or empty.</summary>
    public string Worker { get; init; } = string.Empty;

    /// <summary>A test results XML to summarise, or empty.</summary>
    public string Tests { get; init; } = string.Empty;
}
