// Every failure type an operation can end with, and what it means for the user.
// Data: the CLI, the README and the dashboard list it. A test checks that every
// type a machine can produce is here.
import { CODES } from '../src/codes.ts';

/** How every failure type is written (the catalogue's and any a registrar code adds): what a filter by type may be. */
export const FAILURE_TYPE = /^[a-z0-9_]{1,64}$/;

export interface FailureInfo {
  readonly type: string;
  /** The return code it stands for, when it is one code's type. */
  readonly code?: number;
  /** `registrar`: a 5xx code's own type; `operation`: decided by a machine; `engine`: set by the engine. */
  readonly source: 'registrar' | 'operation' | 'engine';
  /** What it means and what to do. */
  readonly text: string;
}

// What to do after each permanent code, by its type in src/codes.ts.
const REGISTRAR_ADVICE: Readonly<Record<string, string>> = {
  invalid_command_name: 'The registrar does not know the command: a bug or a registrar without this feature; report it, redriving will not help.',
  invalid_command_option: 'The registrar refused an option of the command: a bug or an unsupported TLD feature; report it.',
  invalid_entity_value: 'The registrar refused a value (often the domain name for this TLD); correct the submission and submit again.',
  invalid_attribute_name: 'The registrar refused a parameter name: a bug; report it.',
  missing_required_attribute: 'A parameter the TLD requires is missing (contacts, name servers, extra TLD data); add it and submit again.',
  invalid_attribute_syntax: 'A value has the wrong syntax for the registrar (name, period, contact handle); correct it and submit again.',
  invalid_option_value: 'An option has a value the registrar refuses; correct it and submit again.',
  invalid_command_format: 'The registrar could not read the command: a bug; report it.',
  missing_required_entity: 'The command lacks the object it acts on: a bug; report it.',
  missing_command_option: 'The command lacks an option the registrar requires: a bug or a TLD requirement; report it.',
  server_closing_connection: 'The registrar closed the connection repeatedly (520); the default policy retries it, so this only shows when retries are switched off. Redrive later.',
  too_many_sessions: 'Too many sessions were open on the account (521); lower the workers per account, then redrive.',
  authentication_failed: 'The registrar refused the account credentials; the account is paused. Fix the login or password, then resume the account and redrive.',
  authorization_failed: 'The account may not run this command (role, sub-user, IP); the account is paused. Fix the permission, then resume and redrive.',
  nameserver_linked_to_domains: 'The name server is still used by domains; unlink them first.',
  domain_has_active_nameservers: 'The domain still has host objects under it; delete those hosts first, then redrive.',
  domain_not_flagged_for_transfer: 'The domain is not ready for transfer at the losing registrar (lock or status); have it unlocked, then submit again.',
  restricted_ip_address: 'The registrar refused this host\'s IP address; the account is paused. Allow the IP at the registrar, then resume and redrive.',
  domain_already_flagged_for_transfer: 'A transfer for this domain is already in progress; wait for it or cancel it at the registrar.',
  attribute_value_not_unique: 'A value must be unique and is not (a duplicate name server or handle); correct the submission.',
  invalid_attribute_value: 'The registrar refused a value (name, contact, name server) for this TLD; correct it and submit again.',
  invalid_old_attribute_value: 'A guard value does not match the registrar\'s (the expiration year of a renewal); check the domain and submit again.',
  attribute_not_updatable: 'The value cannot be changed; nothing to retry.',
  entity_on_hold: 'The domain or contact is on hold at the registry; contact the registrar.',
  entity_not_found: 'The domain (or a contact) is not in this account; check the name, the account and the contact handles.',
  credit_limit_exceeded: 'The account has no credit left; the account is paused. Top up the balance, resume the account and redrive.',
  invalid_command_sequence: 'The registrar refused the command in the domain\'s current state; check the domain, then redrive.',
  domain_not_renewable: 'The domain is not up for renewal (too early, or in redemption); renew later or restore it at the registrar.',
  command_failed: 'The registrar failed the command without a reason; check the domain at the registrar, then redrive.',
  parent_domain_not_registered: 'The parent domain of the name server is not registered; register it or use another host.',
  parent_domain_status_forbids: 'The parent domain\'s status forbids the operation; check the parent domain.',
  domain_status_forbids: 'The domain\'s status (lock, hold, pending operation) forbids the operation; clear it, then redrive.',
  domain_pending_transfer: 'A transfer of the domain is pending; wait for it to end, then redrive.',
  domain_already_registered: 'Someone else holds the name (AddDomain answered 554 and the domain is not in this account).',
  domain_already_renewed: 'The domain was already renewed past the expected date (555); check the expiration before renewing again.',
  max_period_exceeded: 'The period would take the expiration past the registry\'s maximum (usually 10 years); submit a shorter period.',
  object_status_prohibits: 'The object\'s status prohibits the operation (client or server prohibited flags); clear them, then redrive.',
  resource_disabled: 'The registrar disabled the resource; contact the registrar.',
  resource_in_use: 'The resource is still in use; release it first.',
  email_uses_forwarding: 'The address already uses forwarding; not a domain operation.',
  email_uses_mailspace: 'The address already uses a mailspace; not a domain operation.',
  email_domain_linked_elsewhere: 'The e-mail domain is linked to another mailspace; not a domain operation.',
  unknown_permanent_error: 'A 5xx code the return-code table does not list; read the description, check the domain at the registrar.',
};

const OPERATION_FAILURES: readonly FailureInfo[] = [
  { type: 'domain_not_available', code: 211, source: 'operation', text: 'CheckDomain says the name is not available (taken, reserved or premium); choose another name.' },
  {
    type: 'domain_already_registered',
    code: 554,
    source: 'operation',
    text: 'AddDomain answered 554 and StatusDomain shows the domain is not in this account: someone else holds it. Nothing was registered.',
  },
  { type: 'registration_rejected', code: 545, source: 'operation', text: 'A pending registration disappeared from the account: the registry refused it. Check the registrar, then submit again.' },
  {
    type: 'registration_timed_out',
    source: 'operation',
    text: 'The registration was still pending at the deadline; it may still complete. Check the domain at the registrar before submitting again.',
  },
  {
    type: 'domain_already_renewed',
    code: 555,
    source: 'operation',
    text: 'The expiration is not the one this renewal started from nor the one it would give: someone renewed it already. Check the expiration before renewing again.',
  },
  { type: 'transfer_not_available', code: 219, source: 'operation', text: 'CheckDomainTransfer says the domain cannot be transferred now (lock, recent change); unlock it and submit again.' },
  { type: 'transfer_auth_invalid', source: 'operation', text: 'The registrar refused the transfer auth code (530/531 on TransferDomain); get the right code from the owner and submit again.' },
  { type: 'transfer_rejected', source: 'operation', text: 'The transfer was rejected or cancelled (by the owner, the losing registrar or the registry); ask the owner, then submit again.' },
  { type: 'transfer_timed_out', source: 'operation', text: 'The transfer was still pending at the deadline (10 days by default); check it at the registrar and redrive to keep polling.' },
  {
    type: 'retries_exhausted',
    source: 'operation',
    text: 'A step kept failing temporarily (4xx, 520/521 or no reply) until its attempts or the deadline ran out; the registrar never said the command took effect. Redrive when the registrar is healthy.',
  },
  { type: 'protocol_error', source: 'operation', text: 'A reply lacked what the step needs (a code outside 2xx/4xx/5xx, no expiration date); check the domain at the registrar and report the reply.' },
  { type: 'invalid_redrive', source: 'operation', text: 'A redrive named a step this operation does not have; redrive from the failure\'s own step.' },
  { type: 'cancelled', code: 0, source: 'engine', text: 'A user cancelled the operation; nothing more will be sent (a transfer the registrar had accepted was cancelled there first). Submit again, or retry, to start over.' },
  {
    type: 'engine_error',
    code: 0,
    source: 'engine',
    text: 'The job queue failed the operation outside its machine (its description says why); check the domain at the registrar, then redrive: the step it was at decides what is sent.',
  },
];

function registrarFailures(): FailureInfo[] {
  const permanent = CODES.filter((c) => c.class === 'permanent').map((c) => ({ type: c.type, code: c.code }));
  return [...permanent, { type: 'unknown_permanent_error', code: undefined }].map(({ type, code }) => {
    const text = REGISTRAR_ADVICE[type];
    if (text === undefined) throw new Error(`failures.ts: no advice for registrar type ${type}`);
    return code === undefined ? { type, source: 'registrar' as const, text } : { type, code, source: 'registrar' as const, text };
  });
}

/** The catalogue: registrar types first (in code order), then the machines' and the engine's own. */
export const FAILURES: readonly FailureInfo[] = (() => {
  const all: FailureInfo[] = registrarFailures();
  for (const f of OPERATION_FAILURES) {
    // A machine type that is also a code's type (554, 555) is listed once, with the machine's text.
    const at = all.findIndex((g) => g.type === f.type);
    if (at >= 0) all[at] = f;
    else all.push(f);
  }
  return all.map((f) => Object.freeze(f));
})();

const BY_TYPE = new Map(FAILURES.map((f) => [f.type, f]));

export function failureInfo(type: string): FailureInfo | undefined {
  return BY_TYPE.get(type);
}
