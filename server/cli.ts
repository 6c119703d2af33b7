/**
 * `npm run server`: the reference server on embedded SQLite (./data/secure-access.db) or PostgreSQL.
 * Environment: PORT (8080), HOST (127.0.0.1), DATABASE_URL, SA_DEMO (1 by default: development outbox + demo seed),
 * SA_OTP_GATEWAY_URL / SA_OTP_GATEWAY_TOKEN (real SMS/voice provider), SA_OPS_TOKEN (back-office API),
 * SA_COOKIE_SECURE (true), SA_TRUST_PROXY, SA_TIME_ZONE (Europe/Paris), SA_VOP_URL / SA_VOP_TOKEN (Verification of Payee gateway),
 * SA_DOWNLOADS_DIR (desktop installers served by the download page), SA_STORE_* (mobile store links).
 */
import { createServer } from './app';
import { DEFAULT_DATABASE_URL } from './config';
import { maskPhone } from './otp';
import { seedDemoIfEmpty } from './seed';

function flag(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  return !/^(0|false|no|off)$/i.test(value);
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8080);
  const host = process.env.HOST ?? '127.0.0.1';
  const demo = flag(process.env.SA_DEMO, true);
  if (!demo && !process.env.SA_OTP_GATEWAY_URL) {
    // Outside demo mode nobody reads the development outbox: codes must reach real phones.
    throw new Error('SA_DEMO=0 needs an SMS/voice provider: set SA_OTP_GATEWAY_URL (and SA_OTP_GATEWAY_TOKEN).');
  }
  const databaseUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const server = await createServer({
    databaseUrl,
    demo,
    opsToken: process.env.SA_OPS_TOKEN,
    cookieSecure: flag(process.env.SA_COOKIE_SECURE, true),
    trustProxy: process.env.SA_TRUST_PROXY,
    logger: flag(process.env.SA_HTTP_LOG, false),
    // The server's own messages (demo codes of the development outbox) are printed even without HTTP request logs.
    log: { info: (message) => console.log(message), warn: (message) => console.warn(message), error: (message) => console.error(message) },
    otpGateway: process.env.SA_OTP_GATEWAY_URL ? { url: process.env.SA_OTP_GATEWAY_URL, token: process.env.SA_OTP_GATEWAY_TOKEN } : undefined,
    vopGateway: process.env.SA_VOP_URL ? { url: process.env.SA_VOP_URL, token: process.env.SA_VOP_TOKEN } : undefined,
    timeZone: process.env.SA_TIME_ZONE || undefined,
    downloadsDir: process.env.SA_DOWNLOADS_DIR || undefined,
    mobileStoreLinks: {
      bankApp: { appStore: process.env.SA_STORE_BANK_APP_APPLE, playStore: process.env.SA_STORE_BANK_APP_GOOGLE, appGallery: process.env.SA_STORE_BANK_APP_HUAWEI },
      secureAccessApp: { appStore: process.env.SA_STORE_SECURE_ACCESS_APPLE, playStore: process.env.SA_STORE_SECURE_ACCESS_GOOGLE },
    },
  });
  const seed = demo ? await seedDemoIfEmpty(server.ctx) : null;
  const url = await server.listen({ port, host });
  console.log(`Secure Access reference server on ${url} (${server.database.kind}${server.database.kind === 'sqlite' ? `: ${databaseUrl.replace(/^sqlite:/, '')}` : ''})`);
  console.log(`Espace Client portal: ${url}/   OpenAPI: ${url}/openapi.json`);
  if (demo) console.log(`Demo mode: SMS and voice codes are shown in this log and at ${url}/dev/outbox`);
  const installers = await server.ctx.installers.list();
  console.log(process.env.SA_DOWNLOADS_DIR
    ? `Download page: ${installers.length} installer(s) published from ${process.env.SA_DOWNLOADS_DIR}`
    : 'Download page: no installer published (set SA_DOWNLOADS_DIR to the folder of the signed installers)');
  if (seed) {
    console.log('');
    console.log(`Demo company "${seed.companyName}" created. Log in to the Espace Client with:`);
    console.log(`  identifier: ${seed.identifier}`);
    console.log(`  temporary secret code: ${seed.temporarySecretCode}   (you will be asked to change it)`);
    console.log(`  Téléphone Sécurité: ${maskPhone(seed.securityPhone)} (codes appear in the development outbox)`);
  }
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(`The server could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
