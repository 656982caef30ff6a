using PostTrain.Kube.Testing.Protobuf;

namespace PostTrain.Kube.Tests;

/// <summary>The protobuf wire-format reader: varints, fixed widths, lengths, skipping, and malformed input.</summary>
public sealed class ProtobufReaderTests
{
    [Theory]
    [InlineData(new byte[] { 0x00 }, 0UL)]
    [InlineData(new byte[] { 0x01 }, 1UL)]
    [InlineData(new byte[] { 0xAC, 0x02 }, 300UL)]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 }, ulong.MaxValue)]
    public void ReadVarint_reads_base_128_varints(byte[] bytes, ulong expected)
    {
        var reader = new ProtobufReader(bytes);
        reader.ReadVarint().ShouldBe(expected);
        reader.End.ShouldBeTrue();
    }

    [Fact]
    public void ReadInt64_reads_a_ten_byte_negative_value()
    {
        var bytes = new ProtobufWriter().RawVarint(unchecked((ulong)-2L)).ToArray();
        bytes.Length.ShouldBe(10);
        new ProtobufReader(bytes).ReadInt64().ShouldBe(-2);
    }

    [Theory]
    [InlineData(new byte[] { 0x80 })]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02 })]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 })]
    public void A_truncated_or_overlong_varint_is_invalid_data(byte[] bytes) =>
        Should.Throw<InvalidDataException>(() => new ProtobufReader(bytes).ReadVarint());

    [Fact]
    public void Tags_fixed_widths_and_length_delimited_values_read_in_order()
    {
        var bytes = new ProtobufWriter().Fixed32(1, 0xDEADBEEF).Fixed64(2, 0x0102030405060708).String(3, "héllo").Bool(4, true).ToArray();
        var reader = new ProtobufReader(bytes);
        reader.TryReadTag(out var field, out var type).ShouldBeTrue();
        (field, type).ShouldBe((1, ProtobufWireType.Fixed32));
        reader.ReadFixed32().ShouldBe(0xDEADBEEF);
        reader.TryReadTag(out field, out type).ShouldBeTrue();
        (field, type).ShouldBe((2, ProtobufWireType.Fixed64));
        reader.ReadFixed64().ShouldBe(0x0102030405060708UL);
        reader.TryReadTag(out field, out type).ShouldBeTrue();
        (field, type).ShouldBe((3, ProtobufWireType.LengthDelimited));
        reader.ReadString().ShouldBe("héllo");
        reader.TryReadTag(out field, out type).ShouldBeTrue();
        (field, type).ShouldBe((4, ProtobufWireType.Varint));
        reader.ReadBool().ShouldBeTrue();
        reader.TryReadTag(out _, out _).ShouldBeFalse();
    }

    [Fact]
    public void Skip_passes_every_wire_type_including_nested_groups()
    {
        var bytes = new ProtobufWriter()
            .UnknownFields()
            .Tag(7, 3).Tag(8, 3).Int64(1, 1).Tag(8, 4).Tag(7, 4)
            .String(1, "after")
            .ToArray();
        var reader = new ProtobufReader(bytes);
        while (reader.TryReadTag(out var field, out var type))
        {
            if (field == 1)
            {
                reader.ReadString().ShouldBe("after");
                reader.End.ShouldBeTrue();
                return;
            }

            reader.Skip(field, type);
        }

        Assert.Fail("the field after the skipped ones was not reached");
    }

    [Theory]
    [InlineData(new byte[] { 0x0A, 0x05, 0x61 })]
    [InlineData(new byte[] { 0x0D, 0x01, 0x02 })]
    [InlineData(new byte[] { 0x09, 0x01 })]
    [InlineData(new byte[] { 0x0B, 0x08, 0x01 })]
    [InlineData(new byte[] { 0x0B, 0x14 })]
    [InlineData(new byte[] { 0x0C })]
    public void Skipping_a_truncated_or_unbalanced_value_is_invalid_data(byte[] bytes) =>
        Should.Throw<InvalidDataException>(() =>
        {
            var reader = new ProtobufReader(bytes);
            reader.TryReadTag(out var field, out var type);
            reader.Skip(field, type);
        });

    [Theory]
    [InlineData(new byte[] { 0x00 })]
    [InlineData(new byte[] { 0x0E })]
    [InlineData(new byte[] { 0x0F })]
    public void Field_zero_and_wire_types_6_and_7_are_invalid_data(byte[] bytes) =>
        Should.Throw<InvalidDataException>(() => new ProtobufReader(bytes).TryReadTag(out _, out _));

    [Fact]
    public void Groups_nested_too_deeply_are_invalid_data_not_a_stack_overflow()
    {
        var writer = new ProtobufWriter();
        for (var i = 0; i < 10_000; i++)
        {
            writer.Tag(1, 3);
        }

        var bytes = writer.ToArray();
        Should.Throw<InvalidDataException>(() =>
        {
            var reader = new ProtobufReader(bytes);
            reader.TryReadTag(out var field, out var type);
            reader.Skip(field, type);
        }).Message.ShouldContain("nested");
    }

    [Fact]
    public void Invalid_utf8_in_a_string_becomes_the_replacement_character()
    {
        var bytes = new ProtobufWriter().Bytes(1, [0x61, 0xFF, 0x62]).ToArray();
        var reader = new ProtobufReader(bytes);
        reader.TryReadTag(out _, out _);
        reader.ReadString().ShouldBe("a\uFFFDb");
    }
}
