namespace PostTrain.Torch;

/// <summary>Op codes shared with the shim's dispatch switches (native/src/ops.cpp).</summary>
internal static class OpCode
{
    // unary
    internal const int Neg = 0, Exp = 1, Log = 2, Sqrt = 3, Rsqrt = 4, Abs = 5, Relu = 6, Silu = 7, Gelu = 8, GeluTanh = 9,
        Sigmoid = 10, Tanh = 11, Sin = 12, Cos = 13, Contiguous = 14, Clone = 15, Detach = 16, LogicalNot = 17, Square = 18,
        Floor = 19, Ceil = 20, Round = 21, Reciprocal = 22, Sign = 23, IsNaN = 24, Log1p = 25, IsFinite = 26;

    // binary (tensor-tensor and tensor-scalar)
    internal const int Add = 0, Sub = 1, Mul = 2, Div = 3, Pow = 4, Minimum = 5, Maximum = 6, Eq = 7, Ne = 8, Lt = 9, Le = 10,
        Gt = 11, Ge = 12, MatMul = 13, LogicalAnd = 14, LogicalOr = 15, Remainder = 16, FloorDivide = 17,
        ReverseSub = 20, ReverseDiv = 21, ReversePow = 22;

    // in place
    internal const int AddInPlace = 0, SubInPlace = 1, MulInPlace = 2, DivInPlace = 3, CopyInPlace = 4, ZeroInPlace = 5, FillInPlace = 6;

    // reductions
    internal const int Sum = 0, Mean = 1, AMax = 2, AMin = 3, LogSumExp = 4, Norm = 5, Any = 6, All = 7;

    // shape ops
    internal const int View = 0, Reshape = 1, Permute = 2, Expand = 3, Repeat = 4;
}
