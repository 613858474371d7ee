/**
 * The account's prospect lists: `GET /v1/get-user-lists` (a bare array, not wrapped) and
 * `POST /v1/add-prospect-to-list`, with snov.io's documented rules (listId required; an email or
 * a LinkedIn link; updateContact and createDuplicates exclusive).
 */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { replyJson } from '../reply.js';
import { flag, text, type Params } from './params.js';
import { failed, notFound } from './replies.js';

interface ProspectList {
  id: number;
  name: string;
  created: string;
  /** Prospect key (email or LinkedIn URL, lower-case) → prospect id. */
  prospects: Map<string, string>;
}

/** The lists and their prospects of one sandbox. */
export interface Lists {
  getUserLists(res: ServerResponse): void;
  addProspectToList(res: ServerResponse, params: Params): void;
}

/**
 * Seeds two lists: 1818597 "FirstSend" (the id in snov.io's docs) and 1818598 "Leads".
 *
 * @example
 * const lists = createLists();
 * lists.getUserLists(res);
 */
export function createLists(): Lists {
  const lists: ProspectList[] = [
    { id: 1818597, name: 'FirstSend', created: '2020-04-07 08:25:44.000000', prospects: new Map() },
    { id: 1818598, name: 'Leads', created: '2021-02-11 14:02:10.000000', prospects: new Map() },
  ];
  return {
    getUserLists(res) {
      replyJson(
        res,
        200,
        lists.map((list) => ({
          id: list.id,
          name: list.name,
          contacts: list.prospects.size,
          isDeleted: false,
          creationDate: { date: list.created, timezone_type: 3, timezone: 'UTC' },
          deletionDate: null,
        })),
      );
    },
    addProspectToList(res, params) {
      const listId = text(params, 'listId');
      if (listId === undefined) return failed(res, 'The listId field is required.');
      const list = lists.find((l) => String(l.id) === listId);
      if (!list) return notFound(res);
      const key = (text(params, 'email') ?? text(params, 'socialLinks', 'linkedIn'))?.toLowerCase();
      if (key === undefined) return failed(res, 'The socialLinks[linkedIn] field is required when email is not present.');
      const updateContact = flag(params, 'updateContact');
      const createDuplicates = flag(params, 'createDuplicates');
      if (updateContact && createDuplicates) {
        return failed(res, 'Only one of updateContact and createDuplicates may be true.');
      }
      const existing = list.prospects.get(key);
      if (existing !== undefined && !createDuplicates) {
        replyJson(res, 200, { success: true, id: existing, added: false, updated: updateContact });
        return;
      }
      const id = prospectId(list.id, key, list.prospects.size);
      list.prospects.set(existing === undefined ? key : `${key}#${list.prospects.size}`, id);
      replyJson(res, 200, { success: true, id, added: true, updated: false });
    },
  };
}

/** snov.io's prospect ids look like base64 of 16 bytes ("0Y2QzowWL1rHpIptwaRp0Q=="). */
function prospectId(listId: number, key: string, serial: number): string {
  return createHash('md5').update(`${listId}:${key}:${serial}`).digest('base64');
}
