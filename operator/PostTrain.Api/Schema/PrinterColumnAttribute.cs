namespace PostTrain.Api.Schema;

/// <summary>An <c>additionalPrinterColumns</c> entry shown by <c>kubectl get</c>; columns keep declaration order.</summary>
/// <param name="order">The position of the column.</param>
/// <param name="name">The column header.</param>
/// <param name="jsonPath">The JSON path of the value, e.g. <c>.status.phase</c>.</param>
/// <param name="type">The OpenAPI type: string, integer, number, boolean or date.</param>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class PrinterColumnAttribute(int order, string name, string jsonPath, string type) : Attribute
{
    /// <summary>The position of the column.</summary>
    public int Order { get; } = order;

    /// <summary>The column header.</summary>
    public string Name { get; } = name;

    /// <summary>The JSON path of the value.</summary>
    public string JsonPath { get; } = jsonPath;

    /// <summary>The OpenAPI type of the value.</summary>
    public string Type { get; } = type;

    /// <summary>What the column shows.</summary>
    public string? Description { get; init; }

    /// <summary>Optional OpenAPI format of the value.</summary>
    public string? Format { get; init; }

    /// <summary>0 shows the column always; higher values only with <c>-o wide</c>.</summary>
    public int Priority { get; init; }
}
