namespace PostTrain.Torch.Distributed;

/// <summary>Collectives over .NET data, built on the tensor collectives of a <see cref="ProcessGroup"/>.</summary>
public static class Collectives
{
    /// <summary>
    /// Every rank's <paramref name="payload"/>, in rank order, on every rank; payloads may differ in length. Two
    /// all-gathers: the lengths, then the payloads padded to the longest. <paramref name="device"/> is where the
    /// staging tensors live (a CUDA device for NCCL, the CPU for Gloo).
    /// </summary>
    public static byte[][] AllGatherBytes(this ProcessGroup group, ReadOnlySpan<byte> payload, Device device)
    {
        ArgumentNullException.ThrowIfNull(group);
        using var scope = TorchScope.NewDisposeScope();
        var lengths = group.AllGather(Tensors.FromArray(new[] { (long)payload.Length }, device, 1)).ToArray<long>();
        var longest = (int)lengths.Max();
        var padded = new byte[Math.Max(1, longest)];
        payload.CopyTo(padded);
        var gathered = group.AllGather(Tensors.FromArray(padded, device, padded.Length)).ToArray<byte>();
        var result = new byte[group.WorldSize][];
        for (var r = 0; r < group.WorldSize; r++)
        {
            result[r] = gathered.AsSpan(r * padded.Length, (int)lengths[r]).ToArray();
        }

        return result;
    }
}
