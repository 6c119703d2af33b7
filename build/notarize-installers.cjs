// electron-builder's afterAllArtifactBuild hook (electron-builder.yml): notarizes and staples the DMG and the PKG
// themselves. electron-builder notarizes only the app inside them, so Gatekeeper would still look up a DMG or a
// PKG downloaded on its own online, and refuse it offline. Uses the credentials electron-builder uses for the app
// (App Store Connect API key, Apple ID, or a notarytool keychain profile) through @electron/notarize, which
// electron-builder itself depends on; without any, it says so and leaves them (scripts/dist.mjs already warned).
'use strict';

/** The notarytool credentials from the environment, as electron-builder reads them, or null. */
function credentials(env = process.env) {
  if (env.APPLE_API_KEY && env.APPLE_API_KEY_ID && env.APPLE_API_ISSUER) {
    return { appleApiKey: env.APPLE_API_KEY, appleApiKeyId: env.APPLE_API_KEY_ID, appleApiIssuer: env.APPLE_API_ISSUER };
  }
  if (env.APPLE_ID && env.APPLE_APP_SPECIFIC_PASSWORD && env.APPLE_TEAM_ID) {
    return { appleId: env.APPLE_ID, appleIdPassword: env.APPLE_APP_SPECIFIC_PASSWORD, teamId: env.APPLE_TEAM_ID };
  }
  if (env.APPLE_KEYCHAIN_PROFILE) {
    return { keychainProfile: env.APPLE_KEYCHAIN_PROFILE, ...(env.APPLE_KEYCHAIN ? { keychain: env.APPLE_KEYCHAIN } : {}) };
  }
  return null;
}

/** The installers of a build that Gatekeeper checks on their own. */
function installersToNotarize(artifactPaths) {
  return artifactPaths.filter((path) => /\.(dmg|pkg)$/i.test(path));
}

async function notarizeInstallers(buildResult, { notarize = require('@electron/notarize').notarize, env = process.env, log = console.log } = {}) {
  const installers = installersToNotarize(buildResult.artifactPaths ?? []);
  if (installers.length === 0) return [];
  const auth = credentials(env);
  if (auth === null) {
    log(`not notarized (no Apple credentials): ${installers.join(', ')}`);
    return [];
  }
  for (const appPath of installers) {
    log(`notarizing and stapling ${appPath}`);
    await notarize({ appPath, ...auth });
  }
  // Stapling changes the files in place: no new artifact to publish.
  return [];
}

module.exports = notarizeInstallers;
module.exports.default = notarizeInstallers;
module.exports.credentials = credentials;
module.exports.installersToNotarize = installersToNotarize;
