import type { Static, TSchema } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ROUTES, RouteName } from '../../protocol/index';
import type { RequestOrigin, ServerContext } from '../context';
import type { WaitCancellation } from '../holds';
import type { DeviceRow } from '../services/devices';
import type { EnrolmentRow } from '../services/enrolments';
import type { Session } from '../services/sessions';

type Spec<N extends RouteName> = (typeof ROUTES)[N];
type Part<N extends RouteName, K extends 'params' | 'query' | 'body'> = Spec<N> extends { [P in K]: infer S extends TSchema } ? Static<S> : undefined;

/** Who a signed request comes from: an active device, or an enrolment key before activation. */
export type SignedCaller = { kind: 'device'; device: DeviceRow } | { kind: 'enrolment'; enrolment: EnrolmentRow };

export type CallerFor<N extends RouteName> =
  Spec<N>['auth'] extends 'signed' | 'device' ? SignedCaller
    : Spec<N>['auth'] extends 'session' | 'admin' ? Session
      : null;

export interface HandlerArgs<N extends RouteName> {
  ctx: ServerContext;
  params: Part<N, 'params'>;
  query: Part<N, 'query'>;
  body: Part<N, 'body'>;
  caller: CallerFor<N>;
  origin: RequestOrigin;
  request: FastifyRequest;
  reply: FastifyReply;
  /** A long-poll's: cancelled when the client goes away or the instance stops (it stops waiting); null otherwise. */
  cancellation: WaitCancellation | null;
}

export type RouteResponse<N extends RouteName> = Static<Spec<N>['response']>;

export type Handler<N extends RouteName> = (args: HandlerArgs<N>) => Promise<RouteResponse<N>>;

export type Handlers = { [N in RouteName]: Handler<N> };
