/**
 * The sandbox's file cabinets and documents. Seeded so that tests know what to expect:
 *
 * - "Invoices" holds seven invoices (so `count=3` pages are 3, 3 and 1 documents);
 * - "Archive" is empty, or holds one generated document of `largeDocumentBytes` for download
 *   streaming tests (its bytes are produced on the fly, see pattern-stream.ts);
 * - "Document Tray" is a basket (`IsBasket: true`), as real cabinet lists include trays.
 *
 * Every cabinet has the same index fields. Tests can add and inspect documents directly.
 */

export type FieldType = 'Text' | 'Decimal' | 'Date';

/** An index field of a cabinet, as dialogs describe it. */
export interface CabinetField {
  DBFieldName: string;
  DlgLabel: string;
  DWFieldType: FieldType;
  Length: number;
}

export interface FileCabinet {
  Id: string;
  Name: string;
  Color: string;
  IsBasket: boolean;
  Default: boolean;
}

/** One index value of a document, in the Platform's JSON form. */
export interface IndexField {
  FieldName: string;
  /** A string, a number, or a date as `/Date(ms)/`. */
  Item: unknown;
  ItemElementName: string;
}

export interface StoredFile {
  name: string;
  contentType: string;
  /** The bytes, or the size of a generated document (see pattern-stream.ts). */
  content: Buffer | { generatedBytes: number };
}

export interface StoredDocument {
  id: number;
  fileCabinetId: string;
  fields: IndexField[];
  file: StoredFile | undefined;
  createdAt: number;
}

/** The ids of the seeded data. */
export const SEEDED = {
  invoicesCabinetId: '7d3b1e0a-52c4-4f61-9a0e-3c9b8f1e2a01',
  archiveCabinetId: '7d3b1e0a-52c4-4f61-9a0e-3c9b8f1e2a02',
  trayId: 'b_7d3b1e0a-52c4-4f61-9a0e-3c9b8f1e2a03',
  searchDialogId: '2f6c9a41-8e0b-4d3a-b5c7-1e9d0a6f4b01',
  storeDialogId: '2f6c9a41-8e0b-4d3a-b5c7-1e9d0a6f4b02',
} as const;

export const CABINET_FIELDS: readonly CabinetField[] = [
  { DBFieldName: 'COMPANY', DlgLabel: 'Company', DWFieldType: 'Text', Length: 100 },
  { DBFieldName: 'INVOICE_NUMBER', DlgLabel: 'Invoice number', DWFieldType: 'Text', Length: 30 },
  { DBFieldName: 'AMOUNT', DlgLabel: 'Amount', DWFieldType: 'Decimal', Length: 0 },
  { DBFieldName: 'INVOICE_DATE', DlgLabel: 'Invoice date', DWFieldType: 'Date', Length: 0 },
  { DBFieldName: 'DOCUMENT_TYPE', DlgLabel: 'Document type', DWFieldType: 'Text', Length: 40 },
];

const INVOICES: readonly [company: string, amount: number, date: string][] = [
  ['Peters Engineering', 1200.5, '2024-01-15'],
  ['ACME Corp', 89.99, '2024-02-03'],
  ['Peters & Sons', 15000, '2024-02-28'],
  ['Globex', 420, '2024-03-10'],
  ['Initech', 999.95, '2024-04-01'],
  ['Umbrella Ltd', 3100, '2024-05-22'],
  ['Stark Industries', 75000, '2024-06-30'],
];

/** The documents of one sandbox. */
export interface DocumentStore {
  readonly cabinets: readonly FileCabinet[];
  cabinet(fileCabinetId: string): FileCabinet | undefined;
  /** The cabinet's documents in id order. */
  list(fileCabinetId: string): StoredDocument[];
  get(fileCabinetId: string, id: number): StoredDocument | undefined;
  add(fileCabinetId: string, fields: IndexField[], file: StoredFile | undefined, createdAt: number): StoredDocument;
}

/**
 * @example
 * const store = createDocumentStore({ largeDocumentBytes: 50 * 1024 * 1024, now: Date.now() });
 * store.list(SEEDED.invoicesCabinetId).length; // 7
 */
export function createDocumentStore(options: { largeDocumentBytes: number | undefined; now: number }): DocumentStore {
  const cabinets: FileCabinet[] = [
    { Id: SEEDED.invoicesCabinetId, Name: 'Invoices', Color: 'Yellow', IsBasket: false, Default: true },
    { Id: SEEDED.archiveCabinetId, Name: 'Archive', Color: 'Blue', IsBasket: false, Default: false },
    { Id: SEEDED.trayId, Name: 'Document Tray', Color: 'Green', IsBasket: true, Default: false },
  ];
  const documents: StoredDocument[] = [];
  let lastId = 0;
  const store: DocumentStore = {
    cabinets,
    cabinet: (id) => cabinets.find((c) => c.Id === id),
    list: (fileCabinetId) => documents.filter((d) => d.fileCabinetId === fileCabinetId),
    get: (fileCabinetId, id) => documents.find((d) => d.fileCabinetId === fileCabinetId && d.id === id),
    add(fileCabinetId, fields, file, createdAt) {
      lastId += 1;
      const document = { id: lastId, fileCabinetId, fields, file, createdAt };
      documents.push(document);
      return document;
    },
  };
  INVOICES.forEach(([company, amount, date], index) => {
    const number = `INV-2024-${String(index + 1).padStart(4, '0')}`;
    store.add(
      SEEDED.invoicesCabinetId,
      [
        { FieldName: 'COMPANY', Item: company, ItemElementName: 'String' },
        { FieldName: 'INVOICE_NUMBER', Item: number, ItemElementName: 'String' },
        { FieldName: 'AMOUNT', Item: amount, ItemElementName: 'Decimal' },
        { FieldName: 'INVOICE_DATE', Item: `/Date(${Date.parse(date)})/`, ItemElementName: 'Date' },
        { FieldName: 'DOCUMENT_TYPE', Item: 'Invoice', ItemElementName: 'String' },
      ],
      {
        name: `${number}.pdf`,
        contentType: 'application/pdf',
        content: Buffer.from(`%PDF-1.4\n% sandbox invoice ${number} for ${company}\n%%EOF\n`),
      },
      options.now,
    );
  });
  if (options.largeDocumentBytes !== undefined) {
    store.add(
      SEEDED.archiveCabinetId,
      [{ FieldName: 'DOCUMENT_TYPE', Item: 'Scan', ItemElementName: 'String' }],
      { name: 'large-scan.bin', contentType: 'application/octet-stream', content: { generatedBytes: options.largeDocumentBytes } },
      options.now,
    );
  }
  return store;
}

/** The size of a stored file in bytes. */
export function fileSize(file: StoredFile): number {
  return Buffer.isBuffer(file.content) ? file.content.length : file.content.generatedBytes;
}
