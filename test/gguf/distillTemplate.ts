import { array, f32, u32, type GgufMetadata } from './ggufWriter';

/** The chat template of DeepSeek-R1-Distill-Qwen (tokenizer_config.json), as in its GGUF files. */
export const R1_DISTILL_CHAT_TEMPLATE =
  "{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}{% set ns = namespace(is_first=false, is_tool=false, is_output_first=true, system_prompt='') %}{%- for message in messages %}{%- if message['role'] == 'system' %}{% set ns.system_prompt = message['content'] %}{%- endif %}{%- endfor %}{{bos_token}}{{ns.system_prompt}}{%- for message in messages %}{%- if message['role'] == 'user' %}{%- set ns.is_tool = false -%}{{'<｜User｜>' + message['content']}}{%- endif %}{%- if message['role'] == 'assistant' and message['content'] is none %}{%- set ns.is_tool = false -%}{%- for tool in message['tool_calls']%}{%- if not ns.is_first %}{{'<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' + tool['function']['name'] + '\\n' + '```json' + '\\n' + tool['function']['arguments'] + '\\n' + '```' + '<｜tool▁call▁end｜>'}}{%- set ns.is_first = true -%}{%- else %}{{'\\n' + '<｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' + tool['function']['name'] + '\\n' + '```json' + '\\n' + tool['function']['arguments'] + '\\n' + '```' + '<｜tool▁call▁end｜>'}}{{'<｜tool▁calls▁end｜><｜end▁of▁sentence｜>'}}{%- endif %}{%- endfor %}{%- endif %}{%- if message['role'] == 'assistant' and message['content'] is not none %}{%- if ns.is_tool %}{{'<｜tool▁outputs▁end｜>' + message['content'] + '<｜end▁of▁sentence｜>'}}{%- set ns.is_tool = false -%}{%- else %}{% set content = message['content'] %}{% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}{% endif %}{{'<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>'}}{%- endif %}{%- endif %}{%- if message['role'] == 'tool' %}{%- set ns.is_tool = true -%}{%- if ns.is_output_first %}{{'<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁end｜>'}}{%- set ns.is_output_first = false %}{%- else %}{{'\\n<｜tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁end｜>'}}{%- endif %}{%- endif %}{%- endfor -%}{% if ns.is_tool %}{{'<｜tool▁outputs▁end｜>'}}{% endif %}{% if add_generation_prompt and not ns.is_tool %}{{'<｜Assistant｜><think>\\n'}}{% endif %}";

export interface DistillQwen2Shape {
  readonly name: string;
  readonly fileType: number;
  readonly contextLength: number;
  readonly hidden: number;
  readonly layers: number;
  readonly ffn: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly tokens: readonly string[];
  readonly tokenTypes: readonly number[];
  readonly bosId: number;
  readonly eosId: number;
}

/** The metadata of an R1-Distill-Qwen GGUF (qwen2 architecture, gpt2 BPE, the distill chat template). */
export function distillQwen2Metadata(shape: DistillQwen2Shape): GgufMetadata {
  return {
    'general.architecture': 'qwen2',
    'general.name': shape.name,
    'general.file_type': u32(shape.fileType),
    'qwen2.context_length': u32(shape.contextLength),
    'qwen2.embedding_length': u32(shape.hidden),
    'qwen2.block_count': u32(shape.layers),
    'qwen2.feed_forward_length': u32(shape.ffn),
    'qwen2.attention.head_count': u32(shape.heads),
    'qwen2.attention.head_count_kv': u32(shape.kvHeads),
    'qwen2.rope.freq_base': f32(10000),
    'qwen2.attention.layer_norm_rms_epsilon': f32(1e-6),
    'tokenizer.ggml.model': 'gpt2',
    'tokenizer.ggml.pre': 'deepseek-r1-qwen',
    'tokenizer.ggml.tokens': array('string', shape.tokens),
    'tokenizer.ggml.token_type': array('i32', shape.tokenTypes),
    'tokenizer.ggml.merges': array('string', []),
    'tokenizer.ggml.bos_token_id': u32(shape.bosId),
    'tokenizer.ggml.eos_token_id': u32(shape.eosId),
    'tokenizer.ggml.padding_token_id': u32(shape.eosId),
    'tokenizer.ggml.add_bos_token': true,
    'tokenizer.ggml.add_eos_token': false,
    'tokenizer.chat_template': R1_DISTILL_CHAT_TEMPLATE,
  };
}
