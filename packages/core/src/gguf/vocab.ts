// A small llama/SentencePiece vocabulary: control tokens, the 256 byte-fallback tokens, printable ASCII
// and common English word pieces. SPM merges adjacent pieces whose concatenation is in the vocabulary,
// highest score first, so every piece is added together with all its prefixes to stay reachable.

export enum TokenType {
  NORMAL = 1,
  UNKNOWN = 2,
  CONTROL = 3,
  USER_DEFINED = 4,
  UNUSED = 5,
  BYTE = 6,
}

export const SPM_SPACE = "\u2581"; // ▁

/** What a text token is, for the generator's output bias (whole words read better than fragments). */
export type TTokenKind = "special" | "char" | "punct" | "word" | "suffix" | "fragment";

export interface TVocab {
  tokens: string[];
  scores: number[];
  types: TokenType[];
  kinds: TTokenKind[];
  unkId: number;
  bosId: number;
  eosId: number;
  imStartId: number;
  imEndId: number;
}

// Roughly by frequency; earlier words get higher merge scores.
const WORDS = `the of and to a in is it you that he was for on are with as I his they be at one have this from
or had by hot word but what some we can out other were all there when up use your how said an each she which
do their time if will way about many then them write would like so these her long make thing see him two has
look more day could go come did number sound no most people my over know water than call first who may down
side been now find any new work part take get place made live where after back little only round man year came
show every good me give our under name very through just form sentence great think say help low line differ
turn cause much mean before move right boy old too same tell does set three want air well also play small end
put home read hand port large spell add even land here must big high such follow act why ask men change went
light kind off need house picture try us again animal point mother world near build self earth father head
stand own page should country found answer school grow study still learn plant cover food sun four between
state keep eye never last let thought city tree cross farm hard start might story saw far sea draw left late
run while press close night real life few north open seem together next white children begin got walk example
ease paper group always music those both mark often letter until mile river car feet care second book carry
took science eat room friend began idea fish mountain stop once base hear horse cut sure watch color face wood
main enough plain girl usual young ready above ever red list though feel talk bird soon body dog family direct
pose leave song measure door product black short numeral class wind question happen complete ship area half
rock order fire south problem piece told knew pass since top whole king space heard best hour better true
during hundred five remember step early hold west ground interest reach fast verb sing listen six table travel
less morning ten simple several vowel toward war lay against pattern slow center love person money serve
appear road map rain rule govern pull cold notice voice unit power town fine certain fly fall lead cry dark
machine note wait plan figure star box noun field rest correct able pound done beauty drive stood contain
front teach week final gave green oh quick develop ocean warm free minute strong special mind behind clear
tail produce fact street inch multiply nothing course stay wheel full force blue object decide surface deep
moon island foot system busy test record boat common gold possible plane stead dry wonder laugh thousand ago
ran check game shape equate miss brought heat snow tire bring yes distant fill east paint language among
model token stream server cloud edge data node hello`;

const SUFFIXES = ["ing", "ed", "er", "es", "ly", "s", "tion", "ment", "ness", "able", "est", "al", "ful"];

const hex = (b: number) => b.toString(16).toUpperCase().padStart(2, "0");

export function buildVocab(): TVocab {
  const tokens: string[] = [];
  const scores: number[] = [];
  const types: TokenType[] = [];
  const kinds: TTokenKind[] = [];
  const index = new Map<string, number>();
  const add = (text: string, type: TokenType, score: number, kind: TTokenKind = "special") => {
    const existing = index.get(text);
    if (existing !== undefined) {
      // A prefix added earlier as a fragment can turn out to be a word itself ("▁in" of "▁into").
      if (kind === "word" || kind === "suffix") kinds[existing] = kind;
      return;
    }
    index.set(text, tokens.length);
    tokens.push(text);
    scores.push(score);
    types.push(type);
    kinds.push(kind);
  };

  add("<unk>", TokenType.UNKNOWN, 0);
  add("<s>", TokenType.CONTROL, 0);
  add("</s>", TokenType.CONTROL, 0);
  for (let b = 0; b < 256; b++) add(`<0x${hex(b)}>`, TokenType.BYTE, 0);
  add("<|im_start|>", TokenType.CONTROL, 0);
  add("<|im_end|>", TokenType.CONTROL, 0);

  // Single characters are the SPM starting symbols; their scores never decide a merge.
  add(SPM_SPACE, TokenType.NORMAL, -1e4, "char");
  for (let c = 0x21; c <= 0x7e; c++) {
    const ch = String.fromCharCode(c);
    add(ch, TokenType.NORMAL, -1e4, ".,!?".includes(ch) ? "punct" : "char");
  }

  let rank = 0;
  const addPiece = (piece: string, kind: TTokenKind) => {
    // Prefixes first, so "▁the" is reachable as "▁t" + "h" → "▁th" + "e".
    for (let n = 2; n <= piece.length; n++)
      add(piece.slice(0, n), TokenType.NORMAL, -1 - rank++ * 0.01, n === piece.length ? kind : "fragment");
  };
  const words = WORDS.split(/\s+/).filter(Boolean);
  for (const w of words) addPiece(SPM_SPACE + w, w.length === 1 ? "char" : "word");
  for (const s of SUFFIXES) addPiece(s, "suffix");
  for (const w of words.slice(0, 64)) {
    const cap = w[0]?.toUpperCase() + w.slice(1);
    addPiece(SPM_SPACE + cap, "word");
  }

  return {
    tokens,
    scores,
    types,
    kinds,
    unkId: 0,
    bosId: 1,
    eosId: 2,
    imStartId: index.get("<|im_start|>") as number,
    imEndId: index.get("<|im_end|>") as number,
  };
}
