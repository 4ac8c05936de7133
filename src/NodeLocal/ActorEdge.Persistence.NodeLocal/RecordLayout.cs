using System.Security.Cryptography;
using System.Text;

namespace ActorEdge.Persistence.NodeLocal;

/// <summary>
/// Maps ids to file names a person can read: letters, digits, <c>-</c>, <c>_</c> and <c>.</c> stay
/// as they are, every other UTF-8 byte becomes <c>%XX</c> (so <c>/</c> and <c>..</c> cannot escape
/// the root), a leading dot is escaped, an empty name is <c>%</c>, and a name longer than 200
/// characters once escaped keeps its first 150 followed by <c>~</c> and 32 hex digits of its SHA-256.
/// </summary>
internal static class RecordLayout
{
    public const string RecordExtension = ".rec";
    public const string TempExtension = ".tmp";
    private const int MaxNameLength = 200;

    public static string Escape(string name)
    {
        if (name.Length == 0)
        {
            return "%";
        }
        var text = new StringBuilder(name.Length + 8);
        var bytes = Encoding.UTF8.GetBytes(name);
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            var plain = b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'_'
                || (b == (byte)'.' && i > 0);
            if (plain)
            {
                text.Append((char)b);
            }
            else
            {
                text.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        if (text.Length <= MaxNameLength)
        {
            return text.ToString();
        }
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 16));
        return string.Concat(text.ToString(0, 150), "~", hash);
    }
}
