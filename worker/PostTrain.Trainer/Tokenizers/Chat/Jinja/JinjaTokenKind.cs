namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>The kinds of token the lexer produces.</summary>
internal enum JinjaTokenKind
{
    /// <summary>Template text outside tags, whitespace control already applied.</summary>
    Data,

    /// <summary><c>{{</c>.</summary>
    VariableBegin,

    /// <summary><c>}}</c>.</summary>
    VariableEnd,

    /// <summary><c>{%</c>.</summary>
    BlockBegin,

    /// <summary><c>%}</c>.</summary>
    BlockEnd,

    /// <summary>An identifier (keywords such as <c>and</c>, <c>in</c>, <c>if</c> are names too, as in Jinja2).</summary>
    Name,

    /// <summary>A string literal, escapes decoded.</summary>
    String,

    /// <summary>An integer literal.</summary>
    Integer,

    /// <summary>A floating-point literal.</summary>
    Float,

    /// <summary>An operator or punctuation: <c>+ - * / // % ** ~ == != &lt; &lt;= &gt; &gt;= = . : | , ( ) [ ] { }</c>.</summary>
    Operator,

    /// <summary>The end of the source.</summary>
    End,
}
