using System.Net;
using System.Net.Sockets;

namespace PostTrain.NodeAgent.Kubelet;

/// <summary>
/// Pod IPs from a loopback range (every 127.0.0.0/8 address answers on Linux without configuration). Addresses are
/// handed out round-robin, skipping .0, .1 and .255 host parts, so a freed address is not reused at once; an
/// address is freed when its pod has finished or is gone.
/// </summary>
internal sealed class PodAddressPool
{
    private readonly Lock _gate = new();
    private readonly uint _first;
    private readonly uint _count;
    private readonly Dictionary<string, uint> _byOwner = new(StringComparer.Ordinal);
    private readonly HashSet<uint> _used = [];
    private uint _next;

    /// <summary>A pool over <paramref name="cidr"/>, e.g. 127.0.0.0/16.</summary>
    public PodAddressPool(string cidr)
    {
        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !IPAddress.TryParse(cidr[..slash], out var network) || network.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(cidr[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var bits) || bits is < 8 or > 30)
        {
            throw new ArgumentException($"pod CIDR \"{cidr}\" is not an IPv4 range of /8 to /30", nameof(cidr));
        }

        var bytes = network.GetAddressBytes();
        var value = ((uint)bytes[0] << 24) | ((uint)bytes[1] << 16) | ((uint)bytes[2] << 8) | bytes[3];
        if (bytes[0] != 127)
        {
            throw new ArgumentException($"pod CIDR \"{cidr}\" is not a loopback range (127.0.0.0/8): pods here are local processes", nameof(cidr));
        }

        var mask = bits == 32 ? uint.MaxValue : ~((1u << (32 - bits)) - 1);
        _first = value & mask;
        _count = 1u << (32 - bits);
    }

    /// <summary>The address of <paramref name="owner"/> (a pod uid), allocating one on first use.</summary>
    public string Allocate(string owner)
    {
        lock (_gate)
        {
            if (_byOwner.TryGetValue(owner, out var existing))
            {
                return Format(existing);
            }

            for (uint tried = 0; tried < _count; tried++)
            {
                var candidate = _first + ((_next + tried) % _count);
                var host = candidate & 0xFF;
                if (host is 0 or 1 or 255 || _used.Contains(candidate))
                {
                    continue;
                }

                _next = (_next + tried + 1) % _count;
                _used.Add(candidate);
                _byOwner[owner] = candidate;
                return Format(candidate);
            }

            throw new InvalidOperationException($"no free pod address left in {Format(_first)}/{32 - (int)Math.Log2(_count)}");
        }
    }

    /// <summary>Frees the address of <paramref name="owner"/>, if it holds one.</summary>
    public void Release(string owner)
    {
        lock (_gate)
        {
            if (_byOwner.Remove(owner, out var address))
            {
                _used.Remove(address);
            }
        }
    }

    private static string Format(uint address) => $"{address >> 24}.{(address >> 16) & 0xFF}.{(address >> 8) & 0xFF}.{address & 0xFF}";
}
