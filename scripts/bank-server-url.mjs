// The bank's server address `npm run dist` builds into the app (SECURE_ACCESS_BANK_SERVER_URL), so that a treasurer
// installing it from the bank's download page never types a URL. IT's policy, when there is one, still wins. The
// address must be https:// (http:// on this machine only in a development build, for a local demo, as the app itself
// accepts); anything else stops the build.

/** The address to build in, without a trailing slash, or '' when none is set; throws on an address the app would refuse. */
export function bankServerUrlFrom(env = process.env, { production = false } = {}) {
  const value = (env.SECURE_ACCESS_BANK_SERVER_URL ?? '').trim();
  if (value === '') return '';
  let url;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`SECURE_ACCESS_BANK_SERVER_URL is not a URL: "${value}"`);
  }
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local && !production)) {
    throw new Error(production
      ? `SECURE_ACCESS_BANK_SERVER_URL must be an https:// address in an installer: "${value}"`
      : `SECURE_ACCESS_BANK_SERVER_URL must be an https:// address (http:// only on this machine): "${value}"`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new Error(`SECURE_ACCESS_BANK_SERVER_URL must be a plain server address, without credentials, query or fragment: "${value}"`);
  }
  return url.href.replace(/\/+$/, '');
}
