/**
 * The Platform's resources under `/DocuWare/Platform`: service description, identity service
 * info, organizations, file cabinets, dialogs, dialog-expression search, documents, file download
 * and multipart upload. Shapes follow DocuWare's REST samples (see README.md); hrefs in `Links`
 * are server-relative, as the Platform writes them. Query parameter names are matched
 * case-insensitively, as ASP.NET binds them.
 */
import { pipeline } from 'node:stream/promises';
import { readRequestBody } from '../request-body.js';
import { parseDialogExpression, runDialogExpression } from './dialog-expression.js';
import {
  CABINET_FIELDS,
  fileSize,
  SEEDED,
  type DocumentStore,
  type FileCabinet,
  type IndexField,
  type StoredDocument,
  type StoredFile,
} from './documents.js';
import { IDENTITY_PATH } from './identity.js';
import { patternStream } from './pattern-stream.js';
import { PLATFORM_PATH, replyError, replyResource, type PlatformCall } from './representation.js';

/** The Platform version the sandbox claims: the last one with cookie authentication. */
export const PLATFORM_VERSION = '7.10.0.0';

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 10_000;

type Handler = (call: PlatformCall) => void | Promise<void>;

/** The resource handlers of one sandbox. */
export interface Platform {
  serviceDescription: Handler;
  identityServiceInfo: Handler;
  organizations: Handler;
  fileCabinets: Handler;
  fileCabinet: Handler;
  dialogs: Handler;
  dialog: Handler;
  search: Handler;
  document: Handler;
  download: Handler;
  upload: Handler;
}

/**
 * @example
 * const platform = createPlatform({ store, organization: 'Sandbox Org', now: Date.now });
 * await platform.organizations(call);
 */
export function createPlatform(options: {
  store: DocumentStore;
  organization: string;
  now: () => number;
  /** The IdentityServiceUrl Home/IdentityServiceInfo announces; default the Platform's own host (self-hosted). */
  identityServiceUrl?: string;
}): Platform {
  const { store } = options;

  /** The cabinet named by the first path group, or a 404 already sent. */
  const cabinetOf = (call: PlatformCall): FileCabinet | undefined => {
    const cabinet = store.cabinet(call.params[0] ?? '');
    if (!cabinet) replyError(call, 404, `File cabinet '${call.params[0] ?? ''}' does not exist.`);
    return cabinet;
  };
  /** The document named by the first two path groups, or a 404 already sent. */
  const documentOf = (call: PlatformCall): StoredDocument | undefined => {
    const cabinet = cabinetOf(call);
    if (!cabinet) return undefined;
    const doc = /^\d+$/.test(call.params[1] ?? '') ? store.get(cabinet.Id, Number(call.params[1])) : undefined;
    if (!doc) replyError(call, 404, `Document '${call.params[1] ?? ''}' does not exist in file cabinet '${cabinet.Name}'.`);
    return doc;
  };

  return {
    serviceDescription: (call) =>
      replyResource(call.req, call.res, 200, 'ServiceDescription', {
        Version: PLATFORM_VERSION,
        Links: [
          link('logon', '/Account/Logon'),
          link('organizations', '/Organizations'),
          link('identityServiceInfo', '/Home/IdentityServiceInfo'),
        ],
      }),

    identityServiceInfo: (call) =>
      replyResource(call.req, call.res, 200, 'IdentityServiceInfo', { IdentityServiceUrl: options.identityServiceUrl ?? `${call.url.origin}${IDENTITY_PATH}` }),

    organizations: (call) =>
      replyResource(call.req, call.res, 200, 'Organizations', {
        Organization: [
          {
            Name: options.organization,
            Guid: '5c2a7e9d-1f3b-4a6c-8d0e-9b7f6a5c4d01',
            Id: '1',
            AdditionalInfo: { CompanyNames: [options.organization], AddressLines: [], AdministratorName: 'admin' },
            Links: [link('filecabinets', '/FileCabinets')],
          },
        ],
      }),

    fileCabinets: (call) =>
      replyResource(call.req, call.res, 200, 'FileCabinets', { FileCabinet: store.cabinets.map(cabinetBody) }),

    fileCabinet: (call) => {
      const cabinet = cabinetOf(call);
      if (cabinet) replyResource(call.req, call.res, 200, 'FileCabinet', cabinetBody(cabinet));
    },

    dialogs: (call) => {
      const cabinet = cabinetOf(call);
      if (!cabinet) return;
      const type = queryParam(call.url, 'DialogType')?.toLowerCase();
      const dialogs = dialogsOf(cabinet).filter((d) => type === undefined || d.type.toLowerCase() === type);
      replyResource(call.req, call.res, 200, 'Dialogs', { Dialog: dialogs.map((d) => dialogInfo(cabinet, d)) });
    },

    dialog: (call) => {
      const cabinet = cabinetOf(call);
      if (!cabinet) return;
      const dialog = dialogsOf(cabinet).find((d) => d.id === call.params[1]);
      if (!dialog) return replyError(call, 404, `Dialog '${call.params[1] ?? ''}' does not exist.`);
      const query = `/FileCabinets/${cabinet.Id}/Query/DialogExpression?dialogId=${dialog.id}`;
      replyResource(call.req, call.res, 200, 'Dialog', {
        ...dialogInfo(cabinet, dialog),
        $type: 'Dialog',
        Fields: CABINET_FIELDS,
        ...(dialog.type === 'Search' ? { Query: { Links: [link('dialogExpression', query)] } } : {}),
      });
    },

    async search(call) {
      const cabinet = cabinetOf(call);
      if (!cabinet) return;
      const dialogId = queryParam(call.url, 'dialogId') ?? SEEDED.searchDialogId;
      if (!dialogsOf(cabinet).some((d) => d.type === 'Search' && d.id === dialogId)) {
        return replyError(call, 404, `Search dialog '${dialogId}' does not exist.`);
      }
      const count = integerParam(call.url, 'count', DEFAULT_PAGE_SIZE);
      const start = integerParam(call.url, 'start', 0);
      if (count === undefined || count < 1 || count > MAX_PAGE_SIZE || start === undefined || start < 0) {
        return replyError(call, 400, `count must be an integer from 1 to ${MAX_PAGE_SIZE} and start a non-negative integer.`);
      }
      const body = await readRequestBody(call.req);
      if (body.type !== 'json' && body.type !== 'empty') {
        return replyError(call, body.type === 'invalid' ? 400 : 415, 'The search expression must be a JSON body.');
      }
      const expression = parseDialogExpression(body.type === 'json' ? body.value : {});
      if ('error' in expression) return replyError(call, 400, expression.error);
      const found = runDialogExpression(expression, store.list(cabinet.Id));
      const hasMore = start + count < found.length;
      const page = (at: number): string =>
        `/FileCabinets/${cabinet.Id}/Query/DialogExpression?dialogId=${dialogId}&count=${count}&start=${at}`;
      replyResource(call.req, call.res, 200, 'DocumentsQueryResult', {
        Items: found.slice(start, start + count).map((doc) => documentBody(doc, false)),
        Count: { Value: found.length, HasMore: hasMore },
        Links: [link('self', page(start)), ...(hasMore ? [link('next', page(start + count))] : [])],
        TimeStamp: `/Date(${options.now()})/`,
      });
    },

    document: (call) => {
      const doc = documentOf(call);
      if (doc) replyResource(call.req, call.res, 200, 'Document', documentBody(doc, true));
    },

    async download(call) {
      const doc = documentOf(call);
      if (!doc) return;
      if (!doc.file) return replyError(call, 404, `Document '${doc.id}' has no file.`);
      const { content, contentType, name } = doc.file;
      call.res.writeHead(200, {
        'Content-Type': contentType,
        'Content-Length': fileSize(doc.file),
        'Content-Disposition': `attachment; filename="${name.replace(/["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
      });
      if (Buffer.isBuffer(content)) call.res.end(content);
      else await pipeline(patternStream(content.generatedBytes), call.res);
    },

    async upload(call) {
      const cabinet = cabinetOf(call);
      if (!cabinet) return;
      const body = await readRequestBody(call.req);
      let indexData: unknown;
      let file: StoredFile | undefined;
      if (body.type === 'json') {
        // An index-only document: the body is the document itself.
        indexData = body.value;
      } else if (body.type === 'form' && body.mediaType === 'multipart/form-data') {
        const documentPart = body.fields.get('document');
        const filePart = body.fields.get('file');
        if (filePart !== null && typeof filePart === 'string') return replyError(call, 400, "The 'file' part must be a file.");
        try {
          indexData = documentPart === null ? {} : JSON.parse(typeof documentPart === 'string' ? documentPart : await documentPart.text());
        } catch {
          return replyError(call, 400, "The 'document' part must be JSON.");
        }
        if (filePart) {
          file = {
            name: filePart.name || 'file',
            contentType: filePart.type || 'application/octet-stream',
            content: Buffer.from(await filePart.arrayBuffer()),
          };
        }
      } else {
        return replyError(call, 415, 'Upload a document as multipart/form-data (parts "document" and "file") or as JSON.');
      }
      const fields = indexFields(indexData);
      if ('error' in fields) return replyError(call, 400, fields.error);
      replyResource(call.req, call.res, 200, 'Document', documentBody(store.add(cabinet.Id, fields, file, options.now()), true));
    },
  };
}

interface DialogSpec {
  id: string;
  type: 'Search' | 'Store';
}

/** Cabinets have a search and a store dialog; trays have none. */
function dialogsOf(cabinet: FileCabinet): DialogSpec[] {
  if (cabinet.IsBasket) return [];
  return [
    { id: SEEDED.searchDialogId, type: 'Search' },
    { id: SEEDED.storeDialogId, type: 'Store' },
  ];
}

function dialogInfo(cabinet: FileCabinet, dialog: DialogSpec): Record<string, unknown> {
  return {
    $type: 'DialogInfo',
    Id: dialog.id,
    Type: dialog.type,
    DisplayName: dialog.type === 'Search' ? 'Search invoices' : 'Store invoice',
    IsDefault: true,
    FileCabinetId: cabinet.Id,
    Links: [link('self', `/FileCabinets/${cabinet.Id}/Dialogs/${dialog.id}`)],
  };
}

function cabinetBody(cabinet: FileCabinet): Record<string, unknown> {
  return {
    ...cabinet,
    Links: [link('self', `/FileCabinets/${cabinet.Id}`), link('dialogs', `/FileCabinets/${cabinet.Id}/Dialogs`)],
  };
}

/** A document; search results leave out the sections, as the Platform's result lists do. */
function documentBody(doc: StoredDocument, withSections: boolean): Record<string, unknown> {
  const self = `/FileCabinets/${doc.fileCabinetId}/Documents/${doc.id}`;
  const { file } = doc;
  const size = file ? fileSize(file) : 0;
  return {
    Id: doc.id,
    Title: file ? file.name.replace(/\.[^.]*$/, '') : `Document ${doc.id}`,
    ContentType: file?.contentType ?? '',
    FileSize: size,
    SectionCount: file ? 1 : 0,
    FileCabinetId: doc.fileCabinetId,
    CreatedAt: `/Date(${doc.createdAt})/`,
    LastModified: `/Date(${doc.createdAt})/`,
    Fields: doc.fields.map((f) => ({ ...f, IsNull: false, ReadOnly: false, SystemField: false })),
    ...(withSections
      ? {
          Sections: file
            ? [{ Id: `${doc.id}-1`, ContentType: file.contentType, FileSize: size, OriginalFileName: file.name }]
            : [],
        }
      : {}),
    Links: [
      link('self', self),
      ...(file ? [link('fileDownload', `${self}/FileDownload?targetFileType=Auto&keepAnnotations=false`)] : []),
    ],
  };
}

/** The `Fields` of an uploaded document, checked against the cabinet's fields. */
function indexFields(data: unknown): IndexField[] | { error: string } {
  const raw = typeof data === 'object' && data !== null ? (data as { Fields?: unknown }).Fields ?? [] : undefined;
  if (!Array.isArray(raw)) return { error: 'Fields must be an array of {FieldName, Item, ItemElementName}.' };
  const fields: IndexField[] = [];
  for (const item of raw as unknown[]) {
    const { FieldName, Item = null, ItemElementName = 'String' } = (item ?? {}) as Record<string, unknown>;
    const field = CABINET_FIELDS.find((f) => typeof FieldName === 'string' && f.DBFieldName === FieldName.toUpperCase());
    if (!field) return { error: `Field '${String(FieldName)}' does not exist in the file cabinet.` };
    fields.push({ FieldName: field.DBFieldName, Item, ItemElementName: String(ItemElementName) });
  }
  return fields;
}

function link(rel: string, path: string): { rel: string; href: string } {
  return { rel, href: `${PLATFORM_PATH}${path}` };
}

function queryParam(url: URL, name: string): string | undefined {
  for (const [key, value] of url.searchParams) if (key.toLowerCase() === name.toLowerCase()) return value;
  return undefined;
}

/** The integer value of a query parameter, `fallback` when absent, undefined when not an integer. */
function integerParam(url: URL, name: string, fallback: number): number | undefined {
  const value = queryParam(url, name);
  if (value === undefined) return fallback;
  return /^\d+$/.test(value) ? Number(value) : undefined;
}
