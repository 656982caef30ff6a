using PostTrain.Torch.NN;

namespace PostTrain.Trainer.Models;

/// <summary>An indexed list of child modules, named "0", "1", ... as PyTorch's <c>nn.ModuleList</c> names them.</summary>
/// <typeparam name="T">The module type.</typeparam>
public sealed class ModuleList<T> : Module
    where T : Module
{
    private readonly List<T> _items = [];

    /// <summary>Creates the list from its modules, registering each under its index.</summary>
    public ModuleList(IEnumerable<T> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var m in modules)
        {
            _items.Add(RegisterModule(_items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), m));
        }
    }

    /// <summary>Number of modules.</summary>
    public int Count => _items.Count;

    /// <summary>The module at <paramref name="index"/>.</summary>
    public T this[int index] => _items[index];

    /// <summary>The modules in order.</summary>
    public IReadOnlyList<T> Items => _items;
}
