import { BlockList, isIPv4, isIPv6 } from "node:net";

/** True when the list is empty (no restriction) or the address is inside one of its CIDRs/addresses. */
export function ipAllowed(sourceIp: string, allowList: readonly string[]): boolean {
  if (allowList.length === 0) return true;
  const family = isIPv4(sourceIp) ? "ipv4" : isIPv6(sourceIp) ? "ipv6" : undefined;
  if (!family) return false;
  const list = new BlockList();
  for (const entry of allowList) {
    const [address, bits] = entry.split("/");
    if (!address) continue;
    const entryFamily = isIPv4(address) ? "ipv4" : "ipv6";
    if (bits === undefined) list.addAddress(address, entryFamily);
    else list.addSubnet(address, Number(bits), entryFamily);
  }
  return list.check(sourceIp, family);
}
