import DataLoader from 'dataloader';
import { ActiveSession } from './session-store';
import { SessionsService } from './sessions.service';

/** Each user's active sessions, newest first; one batch per tick. Callers check who may see them. */
export type SessionsByUserIdLoader = DataLoader<string, ActiveSession[]>;

export function createSessionsByUserIdLoader(sessions: SessionsService): SessionsByUserIdLoader {
  return new DataLoader((userIds) => sessions.listForUsers(userIds));
}
