// The registrar's return codes (../shared/seed/return-codes.txt), typed.
// This is the one place where a code becomes a meaning: nothing else in the
// code base compares description strings or hard-codes code ranges.

export type CodeClass = 'success' | 'temporary' | 'permanent';

export interface CodeInfo {
  readonly code: number;
  readonly description: string;
  readonly class: CodeClass;
  /** Stable snake_case name, used as the failure type of a permanent error. */
  readonly type: string;
}

// [code, exact description from the seed, type]
const TABLE: ReadonlyArray<readonly [number, string, string]> = [
  [200, 'Command completed successfully', 'command_completed'],
  [210, 'Domain name available', 'domain_available'],
  [211, 'Domain name not available', 'domain_not_available'],
  [212, 'Name server available', 'nameserver_available'],
  [213, 'Name server not available', 'nameserver_not_available'],
  [214, 'Contact available', 'contact_available'],
  [215, 'Contact not available', 'contact_not_available'],
  [218, 'Request is available', 'request_available'],
  [219, 'Request is not available', 'request_not_available'],
  [220, 'Command completed successfully. Server closing connection', 'command_completed_closing'],
  [420, 'Command failed due to server error. Server closing connection', 'server_error_closing'],
  [421, 'Command failed due to server error. Client should try again', 'server_error_retry'],
  [422, 'Abuse detected! The account has been temporarily locked! Please standby some minutes.', 'abuse_lock'],
  [423, 'error (socket error)', 'socket_error'],
  [500, 'Invalid command name', 'invalid_command_name'],
  [501, 'Invalid command option', 'invalid_command_option'],
  [502, 'Invalid entity value', 'invalid_entity_value'],
  [503, 'Invalid attribute name', 'invalid_attribute_name'],
  [504, 'Missing required attribute', 'missing_required_attribute'],
  [505, 'Invalid attribute value syntax', 'invalid_attribute_syntax'],
  [506, 'Invalid option value', 'invalid_option_value'],
  [507, 'Invalid command format', 'invalid_command_format'],
  [508, 'Missing required entity', 'missing_required_entity'],
  [509, 'Missing command option', 'missing_command_option'],
  [520, 'Server closing connection. Client should try opening new connection', 'server_closing_connection'],
  [521, 'Too many sessions open. Server closing connection', 'too_many_sessions'],
  [530, 'Authentication failed', 'authentication_failed'],
  [531, 'Authorization failed', 'authorization_failed'],
  [532, 'Domain names linked with name server', 'nameserver_linked_to_domains'],
  [533, 'Domain name has active name servers', 'domain_has_active_nameservers'],
  [534, 'Domain name has not been flagged for transfer', 'domain_not_flagged_for_transfer'],
  [535, 'Restricted IP address', 'restricted_ip_address'],
  [536, 'Domain already flagged for transfer', 'domain_already_flagged_for_transfer'],
  [540, 'Attribute value is not unique', 'attribute_value_not_unique'],
  [541, 'Invalid attribute value', 'invalid_attribute_value'],
  [542, 'Invalid old value for an attribute', 'invalid_old_attribute_value'],
  [543, 'Final or implicit attribute cannot be updated', 'attribute_not_updatable'],
  [544, 'Entity on hold', 'entity_on_hold'],
  [545, 'Entity reference not found', 'entity_not_found'],
  [546, 'Credit limit exceeded', 'credit_limit_exceeded'],
  [547, 'Invalid command sequence', 'invalid_command_sequence'],
  [548, 'Domain is not up for renewal', 'domain_not_renewable'],
  [549, 'Command failed', 'command_failed'],
  [550, 'Parent domain not registered', 'parent_domain_not_registered'],
  [551, 'Parent domain status does not allow for operation', 'parent_domain_status_forbids'],
  [552, 'Domain status does not allow for operation', 'domain_status_forbids'],
  [553, 'Operation not allowed. Domain pending transfer', 'domain_pending_transfer'],
  [554, 'Domain already registered', 'domain_already_registered'],
  [555, 'Domain already renewed', 'domain_already_renewed'],
  [556, 'Maximum registration period exceeded', 'max_period_exceeded'],
  [557, 'Object status prohibits operation', 'object_status_prohibits'],
  [560, 'Resource is disabled', 'resource_disabled'],
  [561, 'Resource still in use', 'resource_in_use'],
  [562, 'Email address already uses forwarding', 'email_uses_forwarding'],
  [563, 'Email address already uses mailspace', 'email_uses_mailspace'],
  [564, 'Email domain already linked to a different mailspace', 'email_domain_linked_elsewhere'],
];

function classOfDigit(digit: string): CodeClass {
  if (digit === '2') return 'success';
  if (digit === '4') return 'temporary';
  return 'permanent';
}

export const CODES: readonly CodeInfo[] = TABLE.map(([code, description, type]) =>
  Object.freeze({ code, description, class: classOfDigit(String(code)[0] ?? ''), type }),
);

const BY_CODE = new Map<number, CodeInfo>(CODES.map((info) => [info.code, info]));

/** Codes after which the registrar closes the connection or session: the transport drops it. */
export const CONNECTION_CLOSING_CODES: ReadonlySet<number> = new Set([220, 420, 520, 521]);
/** Permanent codes that concern the whole account, not one operation: they open the account's breaker. */
export const ACCOUNT_LEVEL_CODES: ReadonlySet<number> = new Set([530, 531, 535, 546]);
/** The abuse lock: the whole account must pause. */
export const ABUSE_LOCK_CODE = 422;

export type Classification =
  | {
      readonly ok: true;
      readonly code: number;
      readonly class: CodeClass;
      readonly type: string;
      /** The seed's description, or a generic one for a code the seed does not list. */
      readonly description: string;
      readonly known: boolean;
    }
  | { readonly ok: false; readonly class: 'protocol_error'; readonly type: 'protocol_error'; readonly reason: string };

const UNKNOWN_TYPE: Record<CodeClass, string> = {
  success: 'unknown_success',
  temporary: 'unknown_temporary_error',
  permanent: 'unknown_permanent_error',
};
const UNKNOWN_DESCRIPTION: Record<CodeClass, string> = {
  success: 'Unknown success code',
  temporary: 'Unknown temporary error code',
  permanent: 'Unknown permanent error code',
};

/**
 * Classify any input as a return code. Known codes come from the seed; an
 * unknown 3-digit code starting with 2, 4 or 5 classifies by its first digit;
 * anything else (not a string or number, not exactly three digits, another
 * first digit) is a protocol error.
 */
/** Classifications of integer codes already seen (the engine classifies every reply, often more than once). */
const CLASSIFIED = new Map<number, Classification>();

export function classify(input: unknown): Classification {
  if (typeof input === 'number') {
    const seen = CLASSIFIED.get(input);
    if (seen) return seen;
    const fresh = Object.freeze(classifyNew(input));
    // integers only: at most a few thousand distinct ones, and anything else is a protocol error anyway
    if (Number.isInteger(input) && input >= 0 && input < 1000) CLASSIFIED.set(input, fresh);
    return fresh;
  }
  return classifyNew(input);
}

function classifyNew(input: unknown): Classification {
  let text: string;
  if (typeof input === 'number') {
    text = Number.isInteger(input) ? String(input) : '';
  } else if (typeof input === 'string') {
    text = input.trim();
  } else {
    return { ok: false, class: 'protocol_error', type: 'protocol_error', reason: `return code is not a number (${typeof input})` };
  }
  if (!/^[245]\d\d$/.test(text)) {
    return {
      ok: false,
      class: 'protocol_error',
      type: 'protocol_error',
      reason: `return code ${JSON.stringify(String(input)).slice(0, 40)} is not a 3-digit 2xx, 4xx or 5xx code`,
    };
  }
  const code = Number(text);
  const known = BY_CODE.get(code);
  if (known) return { ok: true, code, class: known.class, type: known.type, description: known.description, known: true };
  const cls = classOfDigit(text[0] ?? '');
  return { ok: true, code, class: cls, type: UNKNOWN_TYPE[cls], description: UNKNOWN_DESCRIPTION[cls], known: false };
}

export function codeInfo(code: number): CodeInfo | undefined {
  return BY_CODE.get(code);
}

/** The code's exact description, for a server (the simulator) that must answer with it. */
export function describe(code: number): string {
  const info = BY_CODE.get(code);
  if (!info) throw new RangeError(`code ${code} is not in the return-code table`);
  return info.description;
}
