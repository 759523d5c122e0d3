/**
 * A request to the LearnFlow API that failed, with what the server said.
 */
export class LearnFlowApiError extends Error {
  constructor(options: LearnFlowApiError.IOptions) {
    super(options.message);
    this.name = 'LearnFlowApiError';
    this.status = options.status;
    this.code = options.code;
    this.details = options.details ?? [];
  }

  /** The HTTP status, or 0 when the server could not be reached. */
  readonly status: number;

  /** The server's snake_case error id, such as `invalid_credentials`. */
  readonly code: string;

  /** Which fields were wrong, for 422 answers. */
  readonly details: LearnFlowApiError.IFieldProblem[];

  /**
   * Build the error for a response that was not ok.
   *
   * The body is read as LearnFlow's `{code, message, reason, details}`;
   * anything else (a proxy's HTML page, an empty body) keeps the status text.
   */
  static async fromResponse(response: Response): Promise<LearnFlowApiError> {
    let body: unknown = null;
    try {
      body = await response.json();
    } catch {
      // Not JSON: fall back to the status line below.
    }
    const data = (body ?? {}) as Partial<Record<string, unknown>>;
    const message =
      typeof data.message === 'string' && data.message
        ? data.message
        : `${response.status} ${response.statusText || 'request failed'}`;
    return new LearnFlowApiError({
      status: response.status,
      code: typeof data.code === 'string' ? data.code : 'http_error',
      message,
      details: Array.isArray(data.details)
        ? (data.details as LearnFlowApiError.IFieldProblem[])
        : []
    });
  }

  /** Wrap a network failure, where no response came back at all. */
  static fromNetworkError(reason: unknown): LearnFlowApiError {
    const detail = messageOf(reason);
    return new LearnFlowApiError({
      status: 0,
      code: 'network_error',
      message: `LearnFlow server unreachable: ${detail}`
    });
  }
}

export namespace LearnFlowApiError {
  export interface IFieldProblem {
    field: string;
    message: string;
  }

  export interface IOptions {
    status: number;
    code: string;
    message: string;
    details?: IFieldProblem[];
  }
}

/** The message of anything thrown, for showing to the student. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
