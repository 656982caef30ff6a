namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>One token of a template: its kind, its text (decoded for strings), its numeric value, and where it starts.</summary>
internal readonly record struct JinjaToken(JinjaTokenKind Kind, string Text, JinjaSourcePosition Position, object? Value = null)
{
    /// <summary>Whether this is the name <paramref name="name"/>.</summary>
    public bool IsName(string name) => Kind == JinjaTokenKind.Name && Text == name;

    /// <summary>Whether this is the operator <paramref name="op"/>.</summary>
    public bool IsOperator(string op) => Kind == JinjaTokenKind.Operator && Text == op;

    /// <summary>How the token reads in an error message.</summary>
    public string Describe() => Kind switch
    {
        JinjaTokenKind.End => "end of template",
        JinjaTokenKind.BlockEnd => "'%}'",
        JinjaTokenKind.VariableEnd => "'}}'",
        JinjaTokenKind.Data => "template text",
        JinjaTokenKind.String => "string literal",
        _ => $"'{Text}'",
    };
}
