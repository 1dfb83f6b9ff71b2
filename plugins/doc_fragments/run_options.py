# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The options of a new run (CreateRunRequest / CreateThreadAndRunRequest).
    # Each is sent only when the task sets it; the run otherwise uses the assistant's settings.
    DOCUMENTATION = r"""
options:
  model:
    description: Model for this run instead of the assistant's.
    type: str
  instructions:
    description: Instructions for this run instead of the assistant's.
    type: str
  additional_instructions:
    description: Text appended to the instructions for this run. Only with an existing O(thread).
    type: str
  additional_messages:
    description:
      - Messages added to the thread before the run starts, each a dict with C(role) (V(user) or V(assistant)),
        C(content) (a string or a list of content parts), and optionally C(attachments) and C(metadata).
      - With an existing O(thread) they are sent as the run's C(additional_messages), followed by O(thread_message).
      - With O(thread) omitted they become the first messages of the new thread (C(thread.messages)), ahead of
        O(thread_message), as PSOpenAI's C(Start-ThreadRun) does.
    type: list
    elements: dict
  tools:
    description:
      - Tools for this run instead of the assistant's, sent as given, for instance a dict with C(type=code_interpreter)
        or a C(function) tool. At most 20 after O(functions) and the switches are added.
    type: list
    elements: dict
  functions:
    description:
      - Function tools in short form, each a dict with C(name) and optionally C(description), C(parameters)
        (a JSON schema) and C(strict). They are added to O(tools).
    type: list
    elements: dict
  use_code_interpreter:
    description:
      - V(true) adds the C(code_interpreter) tool, V(false) removes it for this run.
      - Without O(tools) and O(functions), the switch applies to the assistant's own tools, which are read first.
    type: bool
  use_retrieval:
    description:
      - V(true) adds the C(file_search) tool (called retrieval before the v2 API), V(false) removes it for this run.
      - Without O(tools) and O(functions), the switch applies to the assistant's own tools, which are read first.
    type: bool
    aliases: [use_file_search]
  metadata:
    description: Up to 16 pairs attached to the run; keys up to 64 characters, values strings up to 512.
    type: dict
  temperature:
    description: Sampling temperature, from 0 to 2.
    type: float
  top_p:
    description: Nucleus sampling mass, from 0 to 1.
    type: float
  max_prompt_tokens:
    description: Most prompt tokens the run may use, 256 or more.
    type: int
  max_completion_tokens:
    description: Most completion tokens the run may use, 256 or more.
    type: int
  truncation_strategy:
    description:
      - How the thread is cut to fit; V(last_messages) keeps the newest O(last_messages) messages, V(auto) lets the
        server drop messages from the middle of the thread.
    type: str
    choices: [auto, last_messages]
  last_messages:
    description:
      - How many of the newest messages to keep, 1 or more. Required with O(truncation_strategy=last_messages);
        with O(truncation_strategy=auto) it is sent too, as the contract's C(TruncationObject) allows.
    type: int
  tool_choice:
    description:
      - Which tool the model calls. V(none), V(auto) or V(required); V(code_interpreter) or V(file_search) to force
        that tool; any other value forces the function of that name.
    type: str
  parallel_tool_calls:
    description: Whether the model may call several functions at once.
    type: bool
  response_format:
    description: Format of the answer. V(json_schema) needs O(json_schema).
    type: str
    choices: [auto, text, json_object, json_schema]
  json_schema:
    description:
      - With O(response_format=json_schema), a dict with C(name), C(schema), and optionally C(description)
        and C(strict).
    type: dict
  reasoning_effort:
    description: Reasoning effort for reasoning models. Only with an existing O(thread).
    type: str
    choices: [none, minimal, low, medium, high, xhigh, max]
  include:
    description: Extra fields in the answer, sent as the C(include[]) query parameter. Only with an existing O(thread).
    type: list
    elements: str
    choices: ['step_details.tool_calls[*].file_search.results[*].content']
  thread_message:
    description:
      - Text of a user message. With O(thread) omitted, the run starts on a new thread that holds this message
        (C(POST /threads/runs)); with O(thread), the message is added to it before the run starts.
      - With O(thread) and O(thread_message) both omitted, the run starts on a new, empty thread (the request
        carries no C(thread)), as the contract allows.
      - Named C(thread_message) because Ansible reserves the option name C(message) for itself.
    type: str
  role:
    description: Role of O(thread_message).
    type: str
    choices: [user, assistant]
    default: user
  images:
    description: Images for O(thread_message), each a file ID or an C(http://), C(https://) or C(data:) URL.
    type: list
    elements: str
  image_detail:
    description: Detail level of O(images).
    type: str
    choices: [auto, low, high]
  attachments:
    description:
      - Files attached to O(thread_message), each a dict with C(file_id) and C(tools) (a list of dicts with a C(type),
        such as C(file_search)).
    type: list
    elements: dict
  message_metadata:
    description:
      - Up to 16 pairs attached to the message of O(thread_message) (its C(metadata)), on a new thread or an
        existing one. Messages of O(additional_messages) carry their own C(metadata).
    type: dict
  tool_resources:
    description:
      - The top-level C(tool_resources) of the thread-and-run request (C(CreateThreadAndRunRequest)), a dict with
        C(code_interpreter.file_ids) and C(file_search.vector_store_ids). The contract describes it as resources
        used by the assistant's tools for this run; it is not the new thread's own C(tool_resources), which
        O(thread_tool_resources) sets. How a server applies it (to the run, or to the thread it creates) is the
        server's choice.
      - Only when the run starts a new thread (O(thread) omitted); C(CreateRunRequest) has no such field. On a server
        without C(POST /threads/runs) (see O(thread)) it is given to the new thread instead, unless
        O(thread_tool_resources) is set.
    type: dict
  thread_metadata:
    description:
      - Up to 16 pairs attached to the new thread (C(thread.metadata)). Only when the run starts a new thread
        (O(thread) omitted).
    type: dict
  thread_tool_resources:
    description:
      - The new thread's own tool resources (C(thread.tool_resources) of C(CreateThreadRequest)), a dict with
        C(code_interpreter.file_ids) and C(file_search.vector_store_ids) (or C(file_search.vector_stores)). Only
        when the run starts a new thread (O(thread) omitted).
    type: dict
  body:
    description:
      - Extra fields merged into the request body last (like the cmdlets' C(AdditionalBody)), for servers with
        extensions. They are sent as given.
      - A dict merges key by key into the dict the options built, so a C(thread) dict with C(metadata) in O(body)
        adds to the new thread without dropping its messages; any other value replaces what the options built.
    type: dict
"""
