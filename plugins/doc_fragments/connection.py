# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The connection options of every module in seed.openai.
    DOCUMENTATION = r"""
options:
  api_base:
    description:
      - Base URL of the Assistants-compatible API, up to and including its version path.
      - OpenAI sunset its hosted Assistants API on 2026-08-26, so against U(https://api.openai.com/v1)
        the modules explain the sunset; point this at a self-hosted Assistants-compatible server or gateway.
      - If not set, the environment variable E(OPENAI_API_BASE) is used, then E(OPENAI_BASE_URL),
        then V(https://api.openai.com/v1). An empty variable counts as unset.
      - Must be an C(http://) or C(https://) URL without C(user:password@).
        Plain C(http://) to a host other than the local machine sends the key unencrypted and draws a warning.
    type: str
    aliases: [base_url]
  api_key:
    description:
      - API key, sent as a bearer token (see O(auth_type)).
      - If not set, the environment variable E(OPENAI_API_KEY) is used.
      - The key is never shown in results, messages or logs.
    type: str
  organization:
    description:
      - Organization ID sent as the C(OpenAI-Organization) header.
      - If not set, the environment variable E(OPENAI_ORGANIZATION) is used. An empty variable counts as unset.
    type: str
    aliases: [org_id]
  timeout:
    description:
      - Seconds each HTTP request may take before it fails, from looking up the server's name to the last byte of
        the answer, however slowly the server sends its headers or body. Each retry (O(max_retry_count)) gets this
        time again.
      - In an event stream (C(stream=true), where a module has it) the wait's limit bounds the whole stream
        instead, and O(timeout) bounds each silence in it.
      - V(0) means no limit, and lets a server that never answers hold the task for ever.
    type: float
    default: 600
  max_retry_count:
    description:
      - How many times a request is retried after an answer of 429 or 5xx or a refused connection, from 0 to 100.
      - Waits grow about 1, 2, 4, 8, 16 seconds with jitter, up to 60 seconds; a C(Retry-After) or C(retry-after-ms)
        header on the answer is honoured instead. A server asking for more than 120 seconds fails the task at once.
      - Other 4xx answers are never retried. Each retry is reported as a warning.
    type: int
    default: 0
  auth_type:
    description:
      - How the task signs in. V(bearer) sends O(api_key) in an C(Authorization) header as a bearer token;
        V(api_key) sends an C(api-key) header, as Azure-style gateways expect.
      - V(entra) signs in with Microsoft Entra ID, as Azure AI Foundry Agent Service requires, through the optional
        library C(azure-identity), and sends the token as a bearer token; O(api_key) is not used.
        The token comes from O(entra_token) when given, otherwise from the first of these that is set up -
        a service principal in the environment (E(AZURE_CLIENT_ID), E(AZURE_CLIENT_SECRET), E(AZURE_TENANT_ID),
        or the E(AZURE_SECRET) and E(AZURE_TENANT) that AWX's Microsoft Azure Resource Manager credential injects),
        workload identity, managed identity, the Azure CLI's login.
        A token that would expire during a long wait or a paged read is renewed before it does.
      - With V(entra), the tasks of a run sign in once per credential, sharing the token through a cache of the user
        who runs the module, C($XDG_CACHE_HOME/seed.openai) (by default C(~/.cache/seed.openai)), a C(0700)
        directory of C(0600) files named by a hash of the credential; a token is used until shortly before it
        expires, then replaced. O(entra_token) and the Azure CLI's tokens are never kept. Delete the directory to
        clear it; the environment variable E(SEED_OPENAI_TOKEN_CACHE) set to V(off) turns it off, an absolute path
        there moves it. Modules on a remote host, or under become, keep it in the home of the user they run as;
        where that is not writable, each task signs in.
      - If not set, the environment variable E(OPENAI_AUTH_TYPE) is used (an AWX credential can inject it).
    type: str
    choices: [bearer, api_key, entra]
    default: bearer
  entra_scope:
    description:
      - With O(auth_type=entra), the scope of the token.
    type: str
    default: https://ai.azure.com/.default
  entra_token:
    description:
      - With O(auth_type=entra), an access token the task already has, for example from
        C(azure.azcollection.azure_rm_accesstoken_info). It is used as it is and cannot be renewed.
      - Never shown in results, messages or logs.
    type: str
  api_version:
    description:
      - Sent as the C(api-version) query parameter on every request, for servers that version their API that way.
      - With an Azure AI Foundry project endpoint as O(api_base) (C(https://<resource>.services.ai.azure.com/api/projects/<project>)),
        it defaults to V(v1), which the service requires.
    type: str
  headers:
    description:
      - Extra HTTP headers for every request (like the cmdlets' C(AdditionalHeaders)).
      - They cannot replace the credential header; values with line breaks are refused.
      - Their values are treated as secrets (a gateway key often travels here) and never shown in results or messages.
      - If not set, one header is taken from the environment variable E(OPENAI_EXTRA_HEADER), written like an
        HTTP header line - the name, a colon, the value (an AWX credential can inject it).
    type: dict
  query:
    description:
      - Extra query parameters for every request (like the cmdlets' C(AdditionalQuery)).
      - Their values are never shown in results.
    type: dict
  validate_certs:
    description:
      - Check the server's TLS certificate.
      - Turning this off draws a warning, since anyone on the path could read the key.
    type: bool
    default: true
  ca_path:
    description:
      - A CA bundle file (or directory) to trust, for servers with a private or self-signed certificate.
      - Proxies are taken from the usual E(HTTPS_PROXY), E(HTTP_PROXY) and E(NO_PROXY) environment variables.
    type: path
  creation_marker:
    description:
      - Put a marker unique to the task in the metadata of what the task creates (runs, threads, messages,
        assistants), under the key C(seed_openai_request).
      - After an answer that is lost (a 5xx, a timeout, a reset once the request went out, or a success whose body
        cannot be read), the module looks for the object carrying the marker and returns it. It sends the request
        again only when it has read the whole list, found nothing made since the request went out that could be
        the task's, and the server did not answer with a success; a list it cannot read to its end, or an object
        that new without any marker (a server that drops metadata), stops the task instead, naming the marker.
        So nothing is created twice, and what may exist can be found by its marker.
      - With V(false), or when the metadata already holds 16 pairs, nothing proves which object is the task's, so
        a creation whose answer is lost is never sent again, and the task fails saying what may have been created.
    type: bool
    default: true
  api:
    description:
      - Which wire API the task speaks. V(assistants) is the Assistants API (threads, messages, runs).
        V(responses) is its successor, the Responses API (conversations, items, responses) of OpenAI, or the new
        Azure AI Foundry Agent Service. Every module keeps its options and return keys, and returns the
        successor's raw object beside them (see the guide I(Moving off the Assistants API)).
      - V(auto) means V(responses) where the Assistants API is gone (C(api.openai.com) and Azure OpenAI's
        C(*.openai.azure.com)) and V(assistants) everywhere else.
      - If not set, the environment variable E(OPENAI_API) is used. An empty variable counts as unset.
    type: str
    choices: [auto, assistants, responses]
    default: auto
notes:
  - All modules of this collection are in the action group C(seed.openai.openai), so
    C(module_defaults) with C(group/seed.openai.openai) sets the connection options once for a play.
requirements:
  - requests >= 2.31
  - urllib3 >= 1.26
  - azure-identity (only for O(auth_type=entra))
"""
