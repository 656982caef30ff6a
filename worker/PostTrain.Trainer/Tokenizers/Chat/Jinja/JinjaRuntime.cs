namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>What built-in filters, tests and functions may use while one template renders: the clock and the text provenance.</summary>
/// <param name="Clock">The clock behind <c>strftime_now</c>.</param>
/// <param name="Provenance">Where tracked message text goes.</param>
internal sealed record JinjaRuntime(TimeProvider Clock, TextProvenance Provenance);
