namespace PostTrain.Torch.Distributed;

/// <summary>How all-reduce combines the ranks' tensors.</summary>
public enum ReduceOp
{
    /// <summary>Elementwise sum.</summary>
    Sum = 0,

    /// <summary>Elementwise mean over ranks.</summary>
    Average = 1,

    /// <summary>Elementwise maximum.</summary>
    Max = 2,

    /// <summary>Elementwise minimum.</summary>
    Min = 3,
}
