using System.Security.Cryptography;
using System.Text;

namespace ActorEdge.Redis;

/// <summary>
/// A Lua script run with <c>EVALSHA</c>: the server's script cache is used by its SHA-1, and the
/// script is sent with <c>EVAL</c> (which caches it again) when the server answers NOSCRIPT, as
/// after a restart or <c>SCRIPT FLUSH</c>.
/// </summary>
public sealed class RedisScript
{
    private readonly byte[] _body;
    private readonly byte[] _sha1;

    /// <summary>Creates a script from its Lua source.</summary>
    public RedisScript(string source)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        Source = source;
        _body = Encoding.UTF8.GetBytes(source);
        _sha1 = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(SHA1.HashData(_body)));
    }

    /// <summary>The Lua source.</summary>
    public string Source { get; }

    /// <summary>The SHA-1 of the source in lowercase hex, as <c>SCRIPT LOAD</c> returns it.</summary>
    public string Sha1 => Encoding.ASCII.GetString(_sha1);

    internal ReadOnlySpan<byte> Body => _body;

    internal ReadOnlySpan<byte> Sha1Bytes => _sha1;
}
