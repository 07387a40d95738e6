import { Pool } from 'undici';

/** A failed call, named by step and status so the report can count errors by kind. */
export class CallFailed extends Error {
  constructor(
    readonly kind: string,
    detail: string,
  ) {
    super(`${kind}: ${detail}`);
  }
}

/** One keep-alive connection pool per server under test, shared by its virtual users. */
export class LoadClient {
  private readonly pool: Pool;

  constructor(origin: string, connections: number) {
    this.pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
  }

  /** POSTs `body` as JSON (or as a form when `form` is set); throws CallFailed unless the answer is 2xx. */
  async post(step: string, path: string, body: Record<string, string>, form = false): Promise<unknown> {
    const answer = await this.pool
      .request({
        method: 'POST',
        path,
        headers: {
          'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json',
        },
        body: form ? new URLSearchParams(body).toString() : JSON.stringify(body),
      })
      .catch((err: Error) => {
        throw new CallFailed(`${step} ${(err as { code?: string }).code ?? err.name}`, err.message);
      });
    const text = await answer.body.text();
    if (answer.statusCode < 200 || answer.statusCode > 299) {
      throw new CallFailed(`${step} ${answer.statusCode}`, text.slice(0, 300));
    }
    return text ? JSON.parse(text) : null;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** One request on `pool`; the answer's text, or CallFailed (named by step and status) unless it is 2xx. */
export async function call(
  pool: Pool,
  step: string,
  options: Parameters<Pool['request']>[0],
): Promise<string> {
  const answer = await pool.request(options).catch((err: Error) => {
    throw new CallFailed(`${step} ${(err as { code?: string }).code ?? err.name}`, err.message);
  });
  const text = await answer.body.text();
  if (answer.statusCode < 200 || answer.statusCode > 299) {
    throw new CallFailed(`${step} ${answer.statusCode}`, text.slice(0, 300));
  }
  return text;
}
