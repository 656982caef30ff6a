namespace PostTrain.Trainer.Sources;

/// <summary>The kind of Hugging Face hub repository a file lives in; it decides the URL layout.</summary>
public enum HubRepoKind
{
    /// <summary>A model repository: <c>{endpoint}/{org}/{name}/resolve/{revision}/{file}</c>.</summary>
    Model,

    /// <summary>A dataset repository: <c>{endpoint}/datasets/{org}/{name}/resolve/{revision}/{file}</c>.</summary>
    Dataset,
}
