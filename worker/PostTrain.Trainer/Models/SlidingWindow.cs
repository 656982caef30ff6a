using PostTrain.Torch;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Models;

/// <summary>
/// Sliding-window attention masks, as Hugging Face builds them for Mistral and Qwen: query i sees key j when
/// i − window &lt; j ≤ i, on indices in the row (the cache included), so a query sees itself and the window − 1 keys
/// before it. Padding is contiguous at one end of a row, and packed documents are contiguous runs, so these index
/// distances equal distances in tokens.
/// </summary>
public static class SlidingWindow
{
    /// <summary>
    /// Restricts <paramref name="mask"/> ([batch, 1, queries, keys], true where allowed; null for plain causal attention)
    /// to the window. The queries are the last <paramref name="queries"/> of the <paramref name="keys"/> positions (a KV
    /// cache holds the earlier ones). Returns a mask [batch or 1, 1, queries, keys].
    /// </summary>
    public static Tensor Restrict(Tensor? mask, long queries, long keys, int window, Device device)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(queries, keys);
        var keyIndex = TorchOps.Arange(keys, device).Unsqueeze(0); // [1, S]
        var queryIndex = (TorchOps.Arange(queries, device) + (keys - queries)).Unsqueeze(1); // [T, 1]
        var inWindow = keyIndex > queryIndex - (long)window; // [T, S]
        if (mask is null)
        {
            return (inWindow & (keyIndex <= queryIndex)).Unsqueeze(0).Unsqueeze(0);
        }

        return mask & inWindow.Unsqueeze(0).Unsqueeze(0);
    }
}
