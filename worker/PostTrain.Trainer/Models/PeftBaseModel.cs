using System.Text.RegularExpressions;
using PostTrain.Api.Model;
using PostTrain.Trainer.Sources;

namespace PostTrain.Trainer.Models;

/// <summary>
/// The base model an adapter belongs to, as PEFT records it in <c>base_model_name_or_path</c> (and <c>revision</c>): a
/// Hugging Face repository id (<c>org/name</c>) or a local path, never a PostTrain URI, so PEFT and transformers can load
/// it too.
/// </summary>
/// <param name="NameOrPath">A repository id <c>org/name</c> or an absolute path.</param>
/// <param name="Revision">The hub revision of a repository id; null for <c>main</c> and for paths.</param>
public sealed partial record PeftBaseModel(string NameOrPath, string? Revision = null)
{
    /// <summary>
    /// How PEFT should name the model loaded from <paramref name="source"/>: the repository id of an <c>hf://</c>
    /// repository (with its revision unless <c>main</c>), otherwise the absolute path of <paramref name="localDirectory"/>,
    /// the folder it was read from (an <c>hf://</c> sub-folder, <c>pvc://</c>, <c>file://</c> or a path). Null for
    /// <c>builtin://</c> models, which no repository or path holds.
    /// </summary>
    public static PeftBaseModel? FromSource(string source, string? localDirectory)
    {
        ArgumentNullException.ThrowIfNull(source);
        var uri = SourceUri.Parse(source);
        return uri.Kind switch
        {
            SourceKind.Builtin => null,
            SourceKind.HuggingFace when uri.Path.Length == 0 => new PeftBaseModel(uri.Name, uri.Revision == "main" ? null : uri.Revision),
            _ when localDirectory is not null => new PeftBaseModel(Path.GetFullPath(localDirectory)),
            _ => throw new ArgumentException($"{source}: the folder it was read from is needed to name it as a path", nameof(localDirectory)),
        };
    }

    /// <summary>
    /// The PostTrain source URI of this base, read the way PEFT reads <c>base_model_name_or_path</c>: an existing
    /// path (absolute, or relative to the working directory) is that folder; otherwise <c>org/name</c> is a hub
    /// repository (<c>hf://org/name[@revision]</c>). <c>hf://</c> URIs, which PostTrain wrote before it followed PEFT,
    /// are taken as they are.
    /// </summary>
    /// <exception cref="InvalidDataException">The value is neither an existing path nor a repository id.</exception>
    public string ToSourceUri()
    {
        if (NameOrPath.StartsWith("hf://", StringComparison.OrdinalIgnoreCase))
        {
            return NameOrPath;
        }

        if (Path.IsPathRooted(NameOrPath) || Directory.Exists(NameOrPath))
        {
            return Path.GetFullPath(NameOrPath);
        }

        if (RepositoryId().IsMatch(NameOrPath))
        {
            return Revision is null or "main" ? $"hf://{NameOrPath}" : $"hf://{NameOrPath}@{Uri.EscapeDataString(Revision)}";
        }

        throw new InvalidDataException($"base_model_name_or_path '{NameOrPath}' is neither an existing folder nor a Hugging Face repository id (org/name)");
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex RepositoryId();
}
