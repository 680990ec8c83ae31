"""The operator's IMAP4rev1 server (RFC 3501) over implicit TLS, on asyncio.

Enough of IMAP for :mod:`imaplib` and ordinary mail clients: CAPABILITY, NOOP, LOGOUT,
ID, NAMESPACE; LOGIN and AUTHENTICATE (PLAIN, XOAUTH2 with a Pro Santé Connect token,
EXTERNAL with the TLS client certificate; SASL-IR); LIST, LSUB, STATUS, CREATE, DELETE,
SUBSCRIBE, UNSUBSCRIBE, APPEND; SELECT, EXAMINE, CHECK, CLOSE, UNSELECT, EXPUNGE,
SEARCH, FETCH, STORE, COPY, MOVE and their UID forms (UIDPLUS: APPENDUID, COPYUID, UID
EXPUNGE). Literals (synchronizing and LITERAL+) are read whole, within bounds: a command
line of ``max_line`` octets, literals of ``max_literal`` octets except APPEND's, which
may reach the operator's message size limit. Sessions see new messages and expunges by
other sessions at NOOP, CHECK and the commands that allow it (never during FETCH, STORE
or SEARCH, RFC 3501 §7.4.1). Server texts are ASCII French; nothing is logged but
counts and failure kinds.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
import re
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from esante.sandbox.mss.errors import (
    AccessTokenError,
    ImapProtocolError,
    MailboxError,
    MssSandboxError,
)
from esante.sandbox.mss.imap_query import (
    FetchItem,
    MessageView,
    fetch_value,
    flag_list,
    parse_fetch,
    parse_search,
    parse_store_mode,
)
from esante.sandbox.mss.imap_syntax import (
    Atom,
    CommandLine,
    Token,
    as_atom,
    as_list,
    as_string,
    astring,
    in_sequence_set,
    literal_size,
    parse_date_time,
    parse_flags,
    parse_sequence_set,
    tokenize,
)
from esante.sandbox.mss.mailboxes import Mailbox
from esante.sandbox.mss.operator import MssOperator
from esante.sandbox.mss.smtp_server import parse_xoauth2, plain_ascii, set_nodelay
from esante.sandbox.mss.store import INBOX, SYSTEM_FLAGS, FlagMode, FolderState

logger = logging.getLogger("esante.sandbox.mss")

CAPABILITIES = (
    "IMAP4rev1 LITERAL+ SASL-IR UIDPLUS MOVE UNSELECT ID NAMESPACE "
    "AUTH=PLAIN AUTH=XOAUTH2 AUTH=EXTERNAL"
)
DELIMITER = "/"
_TAG = re.compile(r"^[!#$&'+,\-./0-9:;<=>?@A-Z^_`a-z|~\[\]]{1,64}$")
_NOT_AUTHENTICATED, _AUTHENTICATED, _SELECTED, _LOGOUT = range(4)


@dataclass(frozen=True)
class ImapLimits:
    """Bounds on what one client may send or hold."""

    max_line: int = 64 * 1024
    max_literal: int = 64 * 1024
    max_append: int = 20 * 1024 * 1024
    idle_timeout: float = 600.0
    max_failed_logins: int = 3
    failed_login_delay: float = 0.1


class _Bye(MssSandboxError):  # noqa: N818 - control flow inside a session, never escapes it
    """End the session after the untagged BYE already sent."""

    def __init__(self) -> None:
        super().__init__("Fin de session IMAP.", detail="BYE sent")


class _AnswerError(ImapProtocolError):
    """A tagged NO/BAD answer raised from inside a command."""

    def __init__(self, status: str, text: str):
        super().__init__(text, detail=status)
        self.status = status
        self.text = text


def _no(text: str) -> _AnswerError:
    return _AnswerError("NO", text)


def _bad(text: str) -> _AnswerError:
    return _AnswerError("BAD", text)


@dataclass
class _Session:
    state: int = _NOT_AUTHENTICATED
    mailbox: Mailbox | None = None
    folder: str | None = None
    read_only: bool = False
    uids: list[int] = field(default_factory=list)
    failures: int = 0


class ImapConnection:
    """One client connection: read commands, answer them, until LOGOUT or a limit."""

    def __init__(
        self,
        operator: MssOperator,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        limits: ImapLimits,
    ):
        self.operator = operator
        self.store = operator.store
        self.reader = reader
        self.writer = writer
        self.limits = limits
        self.session = _Session()
        ssl_object = writer.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        self.peer_certificate: bytes | None = bytes(der) if der else None
        self._handlers: dict[str, Callable[[str, list[Token]], Awaitable[str]]] = {
            "CAPABILITY": self._capability,
            "NOOP": self._noop,
            "LOGOUT": self._logout,
            "ID": self._id,
            "LOGIN": self._login,
            "AUTHENTICATE": self._authenticate,
            "NAMESPACE": self._namespace,
            "LIST": self._list,
            "LSUB": self._list,
            "STATUS": self._status,
            "CREATE": self._create,
            "DELETE": self._delete,
            "SUBSCRIBE": self._subscribe,
            "UNSUBSCRIBE": self._subscribe,
            "APPEND": self._append,
            "SELECT": self._select,
            "EXAMINE": self._select,
            "CHECK": self._noop,
            "CLOSE": self._close,
            "UNSELECT": self._close,
            "EXPUNGE": self._expunge,
            "SEARCH": self._search,
            "FETCH": self._fetch,
            "STORE": self._store,
            "COPY": self._copy,
            "MOVE": self._copy,
            "UID": self._uid,
        }

    # --- I/O ------------------------------------------------------------------------

    def send(self, data: bytes) -> None:
        self.writer.write(data)

    def untagged(self, text: str | bytes) -> None:
        self.send(b"* " + (text.encode("ascii") if isinstance(text, str) else text) + b"\r\n")

    async def serve(self) -> None:
        self.untagged(f"OK [CAPABILITY {CAPABILITIES}] esante MSSante sandbox IMAP4rev1 pret")
        await self.writer.drain()
        try:
            while self.session.state != _LOGOUT:
                line = await self._read_command()
                if line is None:
                    continue
                await self._dispatch(line)
                await self.writer.drain()
        except _Bye:
            with contextlib.suppress(ConnectionError, OSError):
                await self.writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, OSError, TimeoutError):
            pass
        finally:
            self.writer.close()
            with contextlib.suppress(ConnectionError, OSError, ssl.SSLError, TimeoutError):
                await asyncio.wait_for(self.writer.wait_closed(), 2)

    async def _readline(self) -> bytes:
        try:
            line = await asyncio.wait_for(
                self.reader.readuntil(b"\n"), timeout=self.limits.idle_timeout
            )
        except asyncio.LimitOverrunError:
            self.untagged("BAD Ligne de commande trop longue")
            raise _Bye from None
        except TimeoutError:
            self.untagged("BYE Delai d'inactivite depasse")
            raise _Bye from None
        if line.endswith(b"\r\n"):
            return line[:-2]
        return line[:-1]

    async def _read_command(self) -> CommandLine | None:
        line = CommandLine()
        total = 0
        while True:
            segment = await self._readline()
            total += len(segment)
            line.segments.append(segment)
            marker = literal_size(segment)
            if marker is None:
                return line
            size, non_synchronizing = marker
            first = line.segments[0].split(b" ", 2)
            is_append = len(first) > 1 and first[1].upper() == b"APPEND"
            bound = self.limits.max_append if is_append else self.limits.max_literal
            total += size
            if size > bound or total > bound + self.limits.max_line:
                tag = first[0].decode("ascii", "replace") if first else "*"
                if non_synchronizing or not _TAG.match(tag):
                    self.untagged("BYE Litteral trop volumineux")
                    raise _Bye
                self.send(f"{tag} NO [TOOBIG] Message trop volumineux\r\n".encode("ascii"))
                return None
            if not non_synchronizing:
                self.send(b"+ Pret pour le litteral\r\n")
                await self.writer.drain()
            try:
                data = await asyncio.wait_for(
                    self.reader.readexactly(size), timeout=self.limits.idle_timeout
                )
            except TimeoutError:
                self.untagged("BYE Delai d'inactivite depasse")
                raise _Bye from None
            line.literals.append(data)

    async def _dispatch(self, line: CommandLine) -> None:
        tag = line.segments[0].split(b" ", 1)[0].decode("ascii", "replace")
        if not _TAG.match(tag) or tag in ("+", "*"):
            self.untagged("BAD Etiquette de commande manquante ou invalide")
            return
        try:
            tokens = tokenize(line)
            if len(tokens) < 2 or not isinstance(tokens[1], Atom) or tokens[0] != Atom(tag):
                raise _bad("Commande manquante")
            command = tokens[1].upper
            handler = self._handlers.get(command)
            if handler is None:
                raise _bad("Commande inconnue ou non prise en charge")
            text = await handler(command, tokens[2:])
            self.send(f"{tag} OK {text}\r\n".encode("ascii"))
        except _AnswerError as answer:
            self.send(f"{tag} {answer.status} {answer.text}\r\n".encode("ascii"))
        except ImapProtocolError as exc:
            self.send(f"{tag} BAD {plain_ascii(exc.message)}\r\n".encode("ascii"))
        except MailboxError as exc:
            self.send(f"{tag} NO {plain_ascii(exc.message)}\r\n".encode("ascii"))

    # --- state checks ---------------------------------------------------------------

    def _need(self, *states: int) -> None:
        if self.session.state not in states:
            if self.session.state == _NOT_AUTHENTICATED:
                raise _bad("Authentification requise")
            if _SELECTED in states and len(states) == 1:
                raise _bad("Aucun dossier selectionne")
            raise _bad("Commande non permise dans cet etat")

    @property
    def address(self) -> str:
        assert self.session.mailbox is not None
        return self.session.mailbox.address

    @staticmethod
    def _arity(args: list[Token], count: int, what: str) -> None:
        if len(args) != count:
            raise _bad(f"Arguments de {what} invalides")

    # --- any state ------------------------------------------------------------------

    async def _capability(self, command: str, args: list[Token]) -> str:
        self.untagged(f"CAPABILITY {CAPABILITIES}")
        return "CAPABILITY termine"

    async def _noop(self, command: str, args: list[Token]) -> str:
        if self.session.state == _SELECTED:
            self._sync(expunges=True)
        return f"{command} termine"

    async def _logout(self, command: str, args: list[Token]) -> str:
        self.untagged("BYE Deconnexion")
        self.session.state = _LOGOUT
        return "LOGOUT termine"

    async def _id(self, command: str, args: list[Token]) -> str:
        self.untagged('ID ("name" "esante MSSante sandbox")')
        return "ID termine"

    # --- authentication -------------------------------------------------------------

    async def _authenticated(self, mailbox: Mailbox | None, how: str) -> str:
        if mailbox is None:
            self.session.failures += 1
            await asyncio.sleep(self.limits.failed_login_delay)
            if self.session.failures >= self.limits.max_failed_logins:
                self.untagged("BYE Trop d'echecs d'authentification")
                self.session.state = _LOGOUT
            raise _AnswerError("NO", f"[AUTHENTICATIONFAILED] {how}")
        self.session.state = _AUTHENTICATED
        self.session.mailbox = mailbox
        self.store.folders(mailbox.address)  # the INBOX exists from the first login
        return f"[CAPABILITY {CAPABILITIES}] Authentification reussie"

    async def _login(self, command: str, args: list[Token]) -> str:
        self._need(_NOT_AUTHENTICATED)
        self._arity(args, 2, "LOGIN")
        user, password = as_string(args[0], "utilisateur"), as_string(args[1], "mot de passe")
        mailbox = self.operator.authenticate_password(user, password)
        return await self._authenticated(mailbox, "Identifiant ou mot de passe invalide")

    async def _authenticate(self, command: str, args: list[Token]) -> str:
        self._need(_NOT_AUTHENTICATED)
        if not args or len(args) > 2:
            raise _bad("Arguments de AUTHENTICATE invalides")
        mechanism = as_atom(args[0], "mecanisme").upper()
        if mechanism not in ("PLAIN", "XOAUTH2", "EXTERNAL"):
            raise _no("Mecanisme d'authentification non pris en charge")
        if len(args) == 2:
            encoded = as_string(args[1], "reponse")
            encoded = "" if encoded == "=" else encoded
        else:
            self.send(b"+ \r\n")
            await self.writer.drain()
            encoded = (await self._readline()).decode("ascii", "replace").strip()
            if encoded == "*":
                raise _bad("Authentification annulee")
        try:
            blob = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise _bad("Reponse d'authentification illisible (base64)") from None
        if mechanism == "PLAIN":
            parts = blob.split(b"\x00")
            if len(parts) != 3:
                raise _bad("Reponse PLAIN mal formee")
            user, password = (p.decode("utf-8", "replace") for p in parts[1:])
            mailbox = self.operator.authenticate_password(user, password)
            return await self._authenticated(mailbox, "Identifiant ou mot de passe invalide")
        if mechanism == "XOAUTH2":
            parsed = parse_xoauth2(blob)
            if parsed is None:
                raise _bad("Reponse XOAUTH2 mal formee")
            try:
                return await self._authenticated(
                    self.operator.authenticate_token(*parsed), "Jeton refuse"
                )
            except AccessTokenError as exc:
                logger.info("IMAP XOAUTH2 refused: %s", exc.detail)
                return await self._authenticated(None, plain_ascii(exc.message))
        mailbox = self.operator.authenticate_certificate(self.peer_certificate)
        wanted = blob.decode("utf-8", "replace").strip().lower()
        if mailbox is not None and wanted and wanted != mailbox.address:
            mailbox = None
        return await self._authenticated(
            mailbox, "Aucun certificat client associe a une boite aux lettres"
        )

    # --- authenticated --------------------------------------------------------------

    async def _namespace(self, command: str, args: list[Token]) -> str:
        self._need(_AUTHENTICATED, _SELECTED)
        self.untagged(f'NAMESPACE (("" "{DELIMITER}")) NIL NIL')
        return "NAMESPACE termine"

    def _folder_name(self, token: Token) -> str:
        name = as_string(token, "dossier")
        return INBOX if name.upper() == INBOX else name

    async def _list(self, command: str, args: list[Token]) -> str:
        self._need(_AUTHENTICATED, _SELECTED)
        self._arity(args, 2, command)
        reference = as_string(args[0], "reference")
        pattern = as_string(args[1], "motif")
        if not pattern:
            self.untagged(f'{command} (\\Noselect) "{DELIMITER}" ""')
            return f"{command} termine"
        regex = _pattern(reference + pattern)
        for name in self.store.folders(self.address):
            if regex.match(name):
                self.untagged(
                    f'{command} (\\HasNoChildren) "{DELIMITER}" '.encode("ascii") + astring(name)
                )
        return f"{command} termine"

    async def _status(self, command: str, args: list[Token]) -> str:
        self._need(_AUTHENTICATED, _SELECTED)
        self._arity(args, 2, "STATUS")
        name = self._folder_name(args[0])
        items = [as_atom(t, "attribut").upper() for t in as_list(args[1], "attributs")]
        state = self.store.state(self.address, name)
        values = {
            "MESSAGES": len(state.messages),
            "RECENT": 0,
            "UIDNEXT": state.uid_next,
            "UIDVALIDITY": state.uid_validity,
            "UNSEEN": state.unseen(),
        }
        unknown = [i for i in items if i not in values]
        if unknown or not items:
            raise _bad("Attribut STATUS inconnu")
        body = " ".join(f"{item} {values[item]}" for item in items)
        self.untagged(b"STATUS " + astring(name) + f" ({body})".encode("ascii"))
        return "STATUS termine"

    async def _create(self, command: str, args: list[Token]) -> str:
        self._need(_AUTHENTICATED, _SELECTED)
        self._arity(args, 1, "CREATE")
        self.store.create_folder(self.address, self._folder_name(args[0]).rstrip(DELIMITER))
        return "CREATE termine"

    async def _delete(self, command: str, args: list[Token]) -> str:
        self._need(_AUTHENTICATED, _SELECTED)
        self._arity(args, 1, "DELETE")
        name = self._folder_name(args[0])
        if self.session.state == _SELECTED and name == self.session.folder:
            raise _no("Impossible de supprimer le dossier selectionne")
        self.store.delete_folder(self.address, name)
        return "DELETE termine"

    async def _subscribe(self, command: str, args: list[Token]) -> str:
        self._need(_AUTHENTICATED, _SELECTED)
        self._arity(args, 1, command)
        return f"{command} termine"

    async def _append(self, command: str, args: list[Token]) -> str:
        self._need(_AUTHENTICATED, _SELECTED)
        if not 2 <= len(args) <= 4 or not isinstance(args[-1], bytes):
            raise _bad("Arguments de APPEND invalides")
        name = self._folder_name(args[0])
        flags: list[str] = []
        when = None
        for extra in args[1:-1]:
            if isinstance(extra, list):
                flags = parse_flags(extra)
            else:
                when = parse_date_time(as_string(extra, "date"))
        if name not in self.store.folders(self.address):
            raise _no("[TRYCREATE] Dossier inexistant")
        validity, uid = self.store.append(
            self.address, name, args[-1], flags=flags, internal_date=when
        )
        if self.session.state == _SELECTED:
            self._sync(expunges=True)
        return f"[APPENDUID {validity} {uid}] APPEND termine"

    async def _select(self, command: str, args: list[Token]) -> str:
        self._need(_AUTHENTICATED, _SELECTED)
        self._arity(args, 1, command)
        name = self._folder_name(args[0])
        self.session.state = _AUTHENTICATED
        self.session.folder = None
        state = self.store.state(self.address, name)
        self.session.folder = name
        self.session.read_only = command == "EXAMINE"
        self.session.uids = list(state.uids)
        self.session.state = _SELECTED
        self.untagged("FLAGS (" + " ".join(SYSTEM_FLAGS) + ")")
        self.untagged(
            "OK [PERMANENTFLAGS (" + " ".join(SYSTEM_FLAGS) + " \\*)] Drapeaux permanents"
        )
        self.untagged(f"{len(state.messages)} EXISTS")
        self.untagged("0 RECENT")
        first_unseen = next(
            (i for i, m in enumerate(state.messages, 1) if "\\Seen" not in m.flags), None
        )
        if first_unseen is not None:
            self.untagged(f"OK [UNSEEN {first_unseen}] Premier message non lu")
        self.untagged(f"OK [UIDVALIDITY {state.uid_validity}] UID valides")
        self.untagged(f"OK [UIDNEXT {state.uid_next}] Prochain UID")
        mode = "READ-ONLY" if self.session.read_only else "READ-WRITE"
        return f"[{mode}] {command} termine"

    # --- selected -------------------------------------------------------------------

    def _state(self) -> FolderState:
        assert self.session.folder is not None
        try:
            return self.store.state(self.address, self.session.folder)
        except MailboxError:
            self.untagged("BYE Le dossier selectionne a ete supprime")
            self.session.state = _LOGOUT
            raise _Bye from None

    def _sync(self, *, expunges: bool) -> FolderState:
        """Tell the client about messages that appeared (and vanished, when allowed)."""
        state = self._state()
        present = set(state.uids)
        if expunges:
            for position in range(len(self.session.uids), 0, -1):
                if self.session.uids[position - 1] not in present:
                    del self.session.uids[position - 1]
                    self.untagged(f"{position} EXPUNGE")
        known_max = max(self.session.uids, default=0)
        fresh = [uid for uid in state.uids if uid > known_max]
        if fresh:
            self.session.uids.extend(fresh)
            self.untagged(f"{len(self.session.uids)} EXISTS")
        return state

    def _targets(self, text: str, *, by_uid: bool) -> list[tuple[int, int]]:
        """(sequence number, UID) of the messages ``text`` designates."""
        ranges = parse_sequence_set(text)
        uids = self.session.uids
        if by_uid:
            largest = uids[-1] if uids else 0
            return [(i, u) for i, u in enumerate(uids, 1) if in_sequence_set(u, ranges, largest)]
        for low, high in ranges:
            for bound in (low, high):
                if bound is not None and bound > len(uids):
                    raise _bad("Numero de message hors limites")
        return [(i, u) for i, u in enumerate(uids, 1) if in_sequence_set(i, ranges, len(uids))]

    async def _close(self, command: str, args: list[Token]) -> str:
        self._need(_SELECTED)
        if command == "CLOSE" and not self.session.read_only:
            assert self.session.folder is not None
            self.store.expunge(self.address, self.session.folder)
        self.session.state = _AUTHENTICATED
        self.session.folder = None
        self.session.uids = []
        return f"{command} termine"

    async def _expunge(self, command: str, args: list[Token], *, uids: str | None = None) -> str:
        self._need(_SELECTED)
        if self.session.read_only:
            raise _no("Dossier ouvert en lecture seule")
        assert self.session.folder is not None
        allowed = None
        if uids is not None:
            allowed = [u for _, u in self._targets(uids, by_uid=True)]
        self.store.expunge(self.address, self.session.folder, allowed)
        self._sync(expunges=True)
        return f"{command} termine"

    async def _search(self, command: str, args: list[Token], *, by_uid: bool = False) -> str:
        self._need(_SELECTED)
        predicate = parse_search(args)
        state = self._state()
        stored = {m.uid: m for m in state.messages}
        found = []
        assert self.session.folder is not None
        folder = self.session.folder
        largest_uid = self.session.uids[-1] if self.session.uids else 0
        for sequence, uid in enumerate(self.session.uids, 1):
            message = stored.get(uid)
            if message is None:
                continue
            view = MessageView(sequence, message, _reader(self, folder, uid))
            if predicate(view, message.flags, len(self.session.uids), largest_uid):
                found.append(uid if by_uid else sequence)
        self.untagged("SEARCH" + "".join(f" {n}" for n in found))
        self._sync(expunges=by_uid)
        return "SEARCH termine"

    async def _fetch(self, command: str, args: list[Token], *, by_uid: bool = False) -> str:
        self._need(_SELECTED)
        if len(args) < 2:
            raise _bad("Arguments de FETCH invalides")
        targets = self._targets(as_atom(args[0], "ensemble"), by_uid=by_uid)
        items = parse_fetch(args[1:])
        if by_uid and not any(i.name == "UID" for i in items):
            items.insert(0, FetchItem("UID"))
        sets_seen = not self.session.read_only and any(i.sets_seen for i in items)
        assert self.session.folder is not None
        folder = self.session.folder
        stored = {m.uid: m for m in self._state().messages}
        for sequence, uid in targets:
            message = stored.get(uid)
            if message is None:
                continue
            flags = message.flags
            if sets_seen and "\\Seen" not in flags:
                flags = self.store.set_flags(self.address, folder, [uid], ["\\Seen"], "add").get(
                    uid, flags
                )
                if not any(i.name == "FLAGS" for i in items):
                    items_here = [*items, FetchItem("FLAGS")]
                else:
                    items_here = items
            else:
                items_here = items
            view = MessageView(sequence, message, _reader(self, folder, uid))
            try:
                values = [fetch_value(item, view, flags) for item in items_here]
            except MailboxError:
                continue  # expunged meanwhile
            self.send(b"* %d FETCH (" % sequence + b" ".join(values) + b")\r\n")
            await self.writer.drain()
        self._sync(expunges=by_uid)
        return "FETCH termine"

    async def _store(self, command: str, args: list[Token], *, by_uid: bool = False) -> str:
        self._need(_SELECTED)
        if len(args) < 3:
            raise _bad("Arguments de STORE invalides")
        if self.session.read_only:
            raise _no("Dossier ouvert en lecture seule")
        targets = self._targets(as_atom(args[0], "ensemble"), by_uid=by_uid)
        mode_name, silent = parse_store_mode(as_atom(args[1], "mode"))
        mode: FlagMode = "set" if mode_name == "set" else "add" if mode_name == "add" else "remove"
        flags = parse_flags(flag_list(args[2:]))
        assert self.session.folder is not None
        changed = self.store.set_flags(
            self.address, self.session.folder, [u for _, u in targets], flags, mode
        )
        if not silent:
            for sequence, uid in targets:
                if uid in changed:
                    uid_part = f"UID {uid} " if by_uid else ""
                    text = " ".join(sorted(changed[uid]))
                    self.untagged(f"{sequence} FETCH ({uid_part}FLAGS ({text}))")
        self._sync(expunges=by_uid)
        return "STORE termine"

    async def _copy(self, command: str, args: list[Token], *, by_uid: bool = False) -> str:
        self._need(_SELECTED)
        self._arity(args, 2, command)
        move = command == "MOVE"
        if move and self.session.read_only:
            raise _no("Dossier ouvert en lecture seule")
        targets = self._targets(as_atom(args[0], "ensemble"), by_uid=by_uid)
        target = self._folder_name(args[1])
        if target not in self.store.folders(self.address):
            raise _no("[TRYCREATE] Dossier inexistant")
        assert self.session.folder is not None
        validity, pairs = self.store.copy(
            self.address, self.session.folder, [u for _, u in targets], target, move=move
        )
        code = ""
        if pairs:
            source = ",".join(str(s) for s, _ in pairs)
            copies = ",".join(str(n) for _, n in pairs)
            code = f"[COPYUID {validity} {source} {copies}] "
        if move:
            if code:
                self.untagged(f"OK {code}Messages deplaces")
            self._sync(expunges=True)
            return f"{command} termine"
        self._sync(expunges=True)
        return f"{code}{command} termine"

    async def _uid(self, command: str, args: list[Token]) -> str:
        self._need(_SELECTED)
        if not args:
            raise _bad("Commande UID incomplete")
        sub = as_atom(args[0], "commande").upper()
        rest = args[1:]
        if sub == "FETCH":
            return await self._fetch(sub, rest, by_uid=True)
        if sub == "SEARCH":
            return await self._search(sub, rest, by_uid=True)
        if sub == "STORE":
            return await self._store(sub, rest, by_uid=True)
        if sub in ("COPY", "MOVE"):
            return await self._copy(sub, rest, by_uid=True)
        if sub == "EXPUNGE":
            self._arity(rest, 1, "UID EXPUNGE")
            return await self._expunge(sub, [], uids=as_atom(rest[0], "ensemble"))
        raise _bad("Commande UID inconnue")


def _reader(connection: ImapConnection, folder: str, uid: int) -> Callable[[], bytes]:
    address = connection.address
    store = connection.store
    return lambda: store.read(address, folder, uid)


def _pattern(pattern: str) -> re.Pattern[str]:
    """A LIST pattern (``*`` anything, ``%`` anything but the delimiter) as a regex."""
    parts = []
    for char in pattern:
        if char == "*":
            parts.append(".*")
        elif char == "%":
            parts.append(f"[^{re.escape(DELIMITER)}]*")
        else:
            parts.append(re.escape(char))
    regex = "".join(parts)
    if pattern.upper().startswith("INBOX"):
        regex = "(?i:INBOX)" + "".join(parts[5:])
    return re.compile(f"^{regex}$")


class ImapService:
    """Accept IMAP connections (already TLS) for ``operator``, at most ``max_connections``."""

    def __init__(self, operator: MssOperator, limits: ImapLimits, *, max_connections: int = 64):
        self.operator = operator
        self.limits = limits
        self.max_connections = max_connections
        self.connections: set[asyncio.Task[None]] = set()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        set_nodelay(writer.transport)
        if len(self.connections) >= self.max_connections:
            writer.write(b"* BYE Trop de connexions simultanees\r\n")
            with contextlib.suppress(ConnectionError, OSError):
                await writer.drain()
            writer.close()
            return
        if task is not None:
            self.connections.add(task)
        try:
            await ImapConnection(self.operator, reader, writer, self.limits).serve()
        except asyncio.CancelledError:
            # the server is closing; ending quietly keeps asyncio's stream callback from
            # reporting the cancelled task as an error
            writer.close()
        except Exception as exc:
            logger.error("MSS sandbox IMAP session error %s", type(exc).__name__)
            writer.close()
        finally:
            if task is not None:
                self.connections.discard(task)
