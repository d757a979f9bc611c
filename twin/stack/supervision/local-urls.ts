/** A declared site's host name in Azure and where it listens here. */
export interface SiteAddress {
  hostName: string;
  listen: string;
  port: number | undefined;
}

/**
 * Maps a URL to a declared site (`https://<app>.azurewebsites.net/...`, in an app setting or a
 * backend) to the site's local address: plain HTTP on its loopback address and port. Anything
 * else is left as it is.
 */
export function localUrl(value: string, sites: readonly SiteAddress[]): string {
  for (const site of sites) {
    const prefix = `https://${site.hostName}`;
    if (value.toLowerCase() !== prefix.toLowerCase() && !value.toLowerCase().startsWith(`${prefix.toLowerCase()}/`)) continue;
    if (site.port === undefined) throw new Error(`${value} names site ${site.hostName}, which has not started yet`);
    return `http://${site.listen}:${site.port}${value.slice(prefix.length)}`;
  }
  return value;
}
