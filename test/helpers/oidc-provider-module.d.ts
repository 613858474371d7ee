/**
 * The part of oidc-provider's API (v9, shipped without types) that test/helpers/oidc-provider.ts
 * uses. Narrow on purpose: only what the helper calls, typed as the library documents it.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  /** The Koa context oidc-provider hands to middleware, as far as the helper reads it. */
  export interface ProviderContext {
    path: string;
    method: string;
    status: number;
    body: unknown;
    oidc?: { params?: Record<string, unknown> };
  }

  export interface InteractionDetails {
    uid: string;
    prompt: { name: string };
    params: Record<string, unknown>;
  }

  export class Grant {
    constructor(init: { accountId: string; clientId: string });
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
  }

  export interface StoredToken {
    grantId: string;
    consumed?: boolean;
    isExpired: boolean;
  }

  export interface TokenModel {
    find(value: string): Promise<StoredToken | undefined>;
  }

  export class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    readonly Grant: typeof Grant & { find(id: string): Promise<Grant | undefined> };
    readonly AccessToken: TokenModel;
    readonly RefreshToken: TokenModel;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    use(middleware: (ctx: ProviderContext, next: () => Promise<void>) => Promise<void>): void;
    on(event: 'grant.revoked', listener: (ctx: ProviderContext, grantId: string) => void): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: Record<string, unknown>,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
  }
}
