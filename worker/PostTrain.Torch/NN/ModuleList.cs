using System.Collections;
using System.Globalization;

namespace PostTrain.Torch.NN;

/// <summary>
/// An indexed list of submodules named "0", "1", … (torch.nn.ModuleList), so parameter names come out as
/// Hugging Face checkpoints spell them: <c>layers.0.self_attn.q_proj.weight</c>.
/// </summary>
/// <typeparam name="T">The module type.</typeparam>
public sealed class ModuleList<T> : Module, IReadOnlyList<T>
    where T : Module
{
    private readonly List<T> items = [];

    /// <summary>Creates an empty list.</summary>
    public ModuleList()
    {
    }

    /// <summary>Creates a list holding <paramref name="modules"/>.</summary>
    public ModuleList(IEnumerable<T> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var m in modules)
        {
            Add(m);
        }
    }

    /// <summary>The number of modules.</summary>
    public int Count => items.Count;

    /// <summary>The module at an index.</summary>
    public T this[int index] => items[index];

    /// <summary>Appends a module, named by its index.</summary>
    public void Add(T module)
    {
        RegisterModule(items.Count.ToString(CultureInfo.InvariantCulture), module);
        items.Add(module);
    }

    /// <inheritdoc/>
    public IEnumerator<T> GetEnumerator() => items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
