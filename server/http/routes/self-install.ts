/**
 * Self-install: the list of what the bank publishes (an API route) and the installers themselves (plain downloads,
 * outside the JSON API), served only when the shelf lists them, with their size and SHA-256 in the headers.
 */
import type { FastifyInstance } from 'fastify';

import type { ServerContext } from '../../context';
import type { Handlers } from '../types';

export const selfInstallHandlers: Pick<Handlers, 'downloads'> = {
  async downloads({ ctx }) {
    return { installers: await ctx.installers.list(), mobileApps: ctx.mobileApps };
  },
};

export function registerInstallerDownloads(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Params: { fileName: string } }>('/downloads/:fileName', { schema: { hide: true } }, async (request, reply) => {
    const file = await ctx.installers.open(request.params.fileName);
    if (!file) return reply.status(404).send({ code: 'not_found', message: 'No such installer is published here.' });
    return reply
      .header('content-type', 'application/octet-stream')
      .header('content-length', String(file.size))
      .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(request.params.fileName)}`)
      // RFC 9530: the receiver can check what it got; the page shows the same fingerprint in hexadecimal.
      .header('repr-digest', `sha-256=:${Buffer.from(file.sha256, 'hex').toString('base64')}:`)
      .header('cache-control', 'public, max-age=300')
      .send(file.stream);
  });
}
