using System.Text;
using CaptureOrchestrator.Analysis.Protocols;
using CaptureOrchestrator.Analysis.Scenarios;

namespace CaptureOrchestrator.Analysis.Tests.Protocols;

public sealed class AsciiNameTableTests
{
    [Fact]
    public void The_same_name_read_twice_is_one_string()
    {
        var names = new AsciiNameTable();
        string first = names.Get("app.contoso.com"u8);
        string second = names.Get(Encoding.ASCII.GetBytes("app.contoso.com"));
        Assert.Equal("app.contoso.com", first);
        Assert.Same(first, second);
        Assert.NotSame(first, names.Get("api.contoso.com"u8));
    }

    [Fact]
    public void Past_its_capacity_names_are_still_right_but_not_kept()
    {
        var names = new AsciiNameTable(capacity: 2);
        names.Get("a.example"u8);
        names.Get("b.example"u8);
        string third = names.Get("c.example"u8);
        Assert.Equal("c.example", third);
        Assert.Equal(2, names.Count);
        Assert.NotSame(third, names.Get("c.example"u8));
    }

    [Fact]
    public void Bytes_outside_ascii_read_as_question_marks_like_Encoding_ASCII()
    {
        byte[] raw = [(byte)'x', 0xC3, 0xA9, (byte)'.', (byte)'e'];
        Assert.Equal(Encoding.ASCII.GetString(raw), new AsciiNameTable().Get(raw));
    }

    [Fact]
    public void Dns_question_names_come_from_the_table()
    {
        var names = new AsciiNameTable();
        byte[] query = DnsMessageBuilder.Query(9, "app.contoso.com");
        Assert.True(DnsMessage.TryParse(query, names, out DnsMessage a));
        Assert.True(DnsMessage.TryParse(query, names, out DnsMessage b));
        Assert.Equal("app.contoso.com", a.QuestionName);
        Assert.Same(a.QuestionName, b.QuestionName);
    }
}
