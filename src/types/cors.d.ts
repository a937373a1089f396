/** The part of the `cors` middleware (expressjs/cors) this API uses; the package ships no types of its own. */
declare module 'cors' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  interface CorsOptions {
    /** Called with the request's Origin; answer the origin to allow it, or false. */
    origin(origin: string | undefined, callback: (error: Error | null, allow: string | false) => void): void;
    methods: string[];
    allowedHeaders: string[];
    exposedHeaders: string[];
    /** Seconds a browser may keep a preflight's answer. */
    maxAge: number;
  }

  function cors(options: CorsOptions): (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;
  export = cors;
}
