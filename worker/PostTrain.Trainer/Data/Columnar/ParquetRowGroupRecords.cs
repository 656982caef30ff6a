namespace PostTrain.Trainer.Data.Columnar;

/// <summary>The rows of one parquet row group, each a UTF-8 JSON object of the columns read.</summary>
/// <param name="RowGroup">The 0-based index of the row group in its file.</param>
/// <param name="FirstRow">The 0-based index in the file of the group's first row.</param>
/// <param name="Rows">The rows, in file order.</param>
public sealed record ParquetRowGroupRecords(int RowGroup, long FirstRow, IReadOnlyList<ReadOnlyMemory<byte>> Rows);
