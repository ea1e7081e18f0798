/* The offline search page (站内检索). Plain JavaScript, no framework, no modules.
 *
 * The index (search/data/, written by generator/search_index.py) is a set of scripts that call
 * window.__xinyuSearch(name, data); loading them with <script> elements works from file://,
 * where fetch() is blocked. Everything taken from the index is inserted as text, never as HTML.
 * The engine part (fold, terms, decoding, search) has no DOM and runs in node for the tests.
 */
(function (global) {
  "use strict";

  var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var VALUE = {};
  for (var a = 0; a < ALPHABET.length; a++) VALUE[ALPHABET.charCodeAt(a)] = a;
  var CJK = "\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\u{20000}-\\u{3134f}";
  var UNIT = new RegExp("[" + CJK + "]|[0-9a-z\\u00c0-\\u024f]+", "gu");
  var CJK_CHAR = new RegExp("[" + CJK + "]", "u");
  var PER_PAGE = 10;
  var TITLE_WEIGHT = 4; // a title match outweighs any number of body matches (sat() < 2.2)
  var WHOLE_WORD = 1.5; // whole jieba words above mid-word substrings
  var K1 = 1.2;

  /* ---- text: the same folding as generator/search_text.py ---- */

  // One character to one character: 繁→简 from the t2s table, full-width to ASCII, A-Z to a-z.
  function fold(text, t2s) {
    var out = "";
    for (var i = 0; i < text.length; i++) {
      var ch = text[i];
      var code = text.charCodeAt(i);
      if (code >= 0xd800 && code < 0xdc00 && i + 1 < text.length) {
        ch = text.slice(i, i + 2);
        i++;
      }
      if (t2s && t2s[ch]) ch = t2s[ch];
      code = ch.charCodeAt(0);
      if (code === 0x3000) ch = " ";
      else if (code >= 0xff01 && code <= 0xff5e) ch = String.fromCharCode(code - 0xfee0);
      code = ch.charCodeAt(0);
      if (code >= 65 && code <= 90) ch = String.fromCharCode(code + 32);
      out += ch;
    }
    return out;
  }

  // Terms: runs of adjacent units; anything else (spaces, punctuation) separates terms.
  function terms(folded) {
    var runs = [];
    var current = null;
    var end = -1;
    folded.replace(UNIT, function (unit, offset) {
      if (!current || offset !== end) {
        current = [];
        runs.push(current);
      }
      current.push(unit);
      end = offset + unit.length;
      return unit;
    });
    var seen = {};
    var out = [];
    runs.forEach(function (units) {
      var text = units.join("");
      if (seen[text]) return;
      seen[text] = true;
      out.push({ text: text, units: units, keys: coverKeys(units), inner: innerTriples(units) });
    });
    return out;
  }

  // The keys that prove a term: the term itself up to three units (pairs and triples are keys),
  // else the triples at offsets 0, 3, 6, ... and the last triple, whose positions must line up.
  function coverKeys(units) {
    if (units.length === 1) return CJK_CHAR.test(units[0]) ? [] : [{ key: units[0], at: 0 }];
    if (units.length <= 3) return [{ key: units.join(""), at: 0 }];
    var offsets = [];
    for (var i = 0; i + 3 <= units.length; i += 3) offsets.push(i);
    if (offsets[offsets.length - 1] !== units.length - 3) offsets.push(units.length - 3);
    var starts = [0]; // in code points, as the index counts them
    for (var j = 0; j < units.length; j++) starts.push(starts[j] + Array.from(units[j]).length);
    return offsets.map(function (o) {
      return { key: units.slice(o, o + 3).join(""), at: starts[o] };
    });
  }

  // The triples of a term of 4+ units that are not in its cover: those the shards hold themselves
  // narrow the candidates before any positions are loaded, at no cost beyond their shard.
  function innerTriples(units) {
    var cover = {};
    coverKeys(units).forEach(function (k) { cover[k.key] = true; });
    var out = [];
    for (var i = 0; units.length >= 4 && i + 3 <= units.length; i++) {
      var key = units.slice(i, i + 3).join("");
      if (!cover[key]) out.push(key);
    }
    return out;
  }

  function keyHash(key) {
    var h = 2166136261;
    for (var ch of key) h = Math.imul(h ^ ch.codePointAt(0), 16777619) >>> 0;
    return h;
  }

  /* ---- decoding ---- */

  function Reader(text, at) {
    this.text = text;
    this.at = at || 0;
  }
  Reader.prototype.more = function () {
    return this.at < this.text.length;
  };
  Reader.prototype.char = function () {
    return VALUE[this.text.charCodeAt(this.at++)];
  };
  Reader.prototype.next = function () {
    var value = 0;
    var scale = 1;
    for (;;) {
      var c = this.char();
      value += (c & 31) * scale;
      if (!(c & 32)) return value;
      scale *= 32;
    }
  };

  // A key's postings: per document, its id, flags (1 title, 2 whole word, chunk << 2, 32 a body
  // count other than 1 follows) and body count.
  function decodePostings(text) {
    var docs = [];
    var flags = [];
    var body = [];
    var r = new Reader(text);
    var doc = -1;
    while (r.more()) {
      doc += r.next();
      var f = r.char();
      var n = f & 32 ? r.next() : 1;
      docs.push(doc);
      flags.push(f & 31);
      body.push(n);
    }
    return { docs: docs, flags: flags, body: body };
  }

  // Positions of postings entries [from, to) read from text; only documents in `want` are kept.
  // Each value is offset * 4 + (a word starts there) * 2 + (a word ends with the key).
  function decodePositions(text, postings, from, to, want, out) {
    var r = new Reader(text);
    for (var e = from; e < to && r.more(); e++) {
      var fields = [[], []];
      var counts = [r.next(), postings.body[e]];
      for (var f = 0; f < 2; f++) {
        var offset = 0;
        for (var k = 0; k < counts[f]; k++) {
          var v = r.next();
          offset += v >> 2;
          fields[f].push(offset * 4 + (v & 3));
        }
      }
      if (want.has(postings.docs[e])) out.set(postings.docs[e], fields);
    }
    return out;
  }

  function intersect(a, b) {
    var out = [];
    var i = 0;
    var j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) {
        out.push(a[i]);
        i++;
        j++;
      } else if (a[i] < b[j]) i++;
      else j++;
    }
    return out;
  }

  function saturate(count) {
    return (count * (K1 + 1)) / (count + K1);
  }

  /* ---- the engine ---- */

  // load(name) -> Promise of the data registered under that name.
  function Engine(load) {
    var self = this;
    var pending = 0;
    var since = 0;
    this.waited = 0; // wall-clock ms with at least one load outstanding: waiting, not computing
    this.load = function (name) {
      if (pending++ === 0) since = now();
      function settle() {
        if (--pending === 0) self.waited += now() - since;
      }
      return load(name).then(function (data) {
        settle();
        return data;
      }, function (error) {
        settle();
        throw error;
      });
    };
  }

  // File names, as generator/search_index.py makes them: numbered files go meta.folder to a
  // subfolder (a FAT32 USB stick holds 65,534 entries a folder), a heavy key's positions have a
  // folder of their own, and a document's fragments stay together.
  function shardName(kind, number, meta) {
    return kind + "/" + Math.floor(number / meta.folder) + "/" + number;
  }

  function partName(number, part, meta) {
    return "px/" + Math.floor(number / meta.folder) + "/" + number + "/" + part;
  }

  function fragmentName(doc, chunk, meta) {
    return "f/" + Math.floor(doc / Math.floor(meta.folder / meta.chunks)) + "/" + doc + "-" + chunk;
  }

  Engine.prototype.get = function (name) {
    return this.load(name);
  };

  Engine.prototype.getAll = function (names) {
    return Promise.all(names.map(this.load));
  };

  Engine.prototype.t2s = function (query, meta) {
    var shards = {};
    for (var ch of query) if (CJK_CHAR.test(ch)) shards[ch.codePointAt(0) % meta.t2s] = true;
    var names = Object.keys(shards).sort().map(function (s) { return "s/" + s; });
    return this.getAll(names).then(function (tables) {
      return Object.assign.apply(null, [{}].concat(tables));
    });
  };

  // A key's entry in its shard: its postings, [number of its own postings file, document count],
  // or undefined when the index has no such key.
  Engine.prototype.record = function (key, meta) {
    return this.get(shardName("k", keyHash(key) % meta.buckets, meta)).then(function (shard) {
      return Object.prototype.hasOwnProperty.call(shard, key) ? shard[key] : undefined;
    });
  };

  Engine.prototype.postings = function (key, meta) {
    var self = this;
    return this.record(key, meta).then(function (record) {
      if (record === undefined) return null;
      if (typeof record === "string") return decodePostings(record);
      return self.get(shardName("kx", record[0], meta)).then(decodePostings);
    });
  };

  // A key's postings if its shard holds them (no file of their own to load); null if the index has
  // no such key, undefined if they are in a file of their own.
  Engine.prototype.light = function (key, meta) {
    return this.record(key, meta).then(function (record) {
      if (record === undefined) return null;
      return typeof record === "string" ? decodePostings(record) : undefined;
    });
  };

  // Positions of one key for the wanted documents: Map doc -> [title values, body values].
  Engine.prototype.positions = function (key, postings, want, meta) {
    var self = this;
    var bucket = keyHash(key) % meta.buckets;
    return this.get(shardName("p", bucket, meta)).then(function (shard) {
      var record = shard[key];
      var out = new Map();
      if (typeof record === "string") return decodePositions(record, postings, 0, postings.docs.length, want, out);
      var cuts = record[1];
      var parts = {};
      want.forEach(function (doc) {
        var entry = lowerBound(postings.docs, doc);
        var part = lowerBound(cuts, entry + 1) - 1;
        parts[part] = true;
      });
      var chosen = Object.keys(parts).map(Number).sort(function (x, y) { return x - y; });
      return self.getAll(chosen.map(function (p) { return partName(record[0], p, meta); })).then(function (texts) {
        texts.forEach(function (text, i) {
          var p = chosen[i];
          var to = p + 1 < cuts.length ? cuts[p + 1] : postings.docs.length;
          decodePositions(text, postings, cuts[p], to, want, out);
        });
        return out;
      });
    });
  };

  // A key's document count from its shard record (its postings, or [file, count]).
  function count(record) {
    return typeof record === "string" ? decodePostings(record).docs.length : record[1];
  }

  // Documents matching one term: Map doc -> {title, body, whole, chunk}; `allowed` limits them.
  // A term of 4-9 CJK characters (meta.phrases) is first looked up as a phrase key (search_phrases.py):
  // when the index holds it, its postings are the exact answer. Else a CJK term whose cover holds a
  // frequent triple (in meta.least documents or more) is proven by edge keys (edges, below); any
  // other by the positions of its cover triples on the candidates that the triples' postings leave.
  Engine.prototype.term = function (term, meta, allowed) {
    var self = this;
    var cjk = term.units.length >= 4 && term.units.every(function (u) { return CJK_CHAR.test(u); });
    var phrase = cjk && term.units.length >= meta.phrases[0] && term.units.length <= meta.phrases[1];
    // A term of 7-9 characters is seldom a phrase key: the shards of its cover triples, which prove
    // it otherwise, come first and say whether it can be one (measured: fewer bytes for such terms).
    var first = phrase && term.keys.length > 2 ? term.keys : [];
    return Promise.all(first.map(function (k) { return self.record(k.key, meta); })).then(function (records) {
      var frequent = records.every(function (r) { return r !== undefined && count(r) >= meta.least; });
      return phrase && frequent ? self.postings(term.text, meta) : null;
    }).then(function (own) {
      if (own) return answer(own, allowed);
      if (!cjk) return self.cover(term, meta, allowed);
      return Promise.all(term.keys.map(function (k) { return self.record(k.key, meta); })).then(function (records) {
        if (records.some(function (r) { return r === undefined; })) return new Map();
        var frequent = records.some(function (r) { return count(r) >= meta.least; });
        return frequent ? self.edges(term, meta, allowed) : self.cover(term, meta, allowed);
      });
    });
  };

  // A CJK term with frequent triples, proven without their positions. Its triples' shards say which
  // are frequent; each run of frequent triples is covered by an edge key (search_phrases.edges): the
  // run with the character before it (or after it, at the term's start, or when that end's triple is
  // rarer), rare as that triple, with positions; the characters left by the triples that are not
  // frequent. A run too long for an edge key keeps its triples. The keys' postings (and those of
  // every triple in its shard) leave the candidates, and the keys' positions prove them.
  Engine.prototype.edges = function (term, meta, allowed) {
    var self = this;
    var units = term.units;
    var n = units.length;
    var triples = [];
    for (var i = 0; i + 3 <= n; i++) triples.push(units.slice(i, i + 3).join(""));
    return Promise.all(triples.map(function (k) { return self.record(k, meta); })).then(function (records) {
      if (records.some(function (r) { return r === undefined; })) return new Map();
      var counts = records.map(count);
      var often = counts.map(function (c) { return c >= meta.least; });
      if (often.every(Boolean)) {
        // No phrase key: no document holds a term of 4-9 characters; a longer one keeps its triples.
        return n <= meta.phrases[1] ? new Map() : self.cover(term, meta, allowed);
      }
      var keys = [];
      var covered = [];
      function take(at, size) {
        keys.push({ key: units.slice(at, at + size).join(""), at: at, size: size });
        for (var c = at; c < at + size; c++) covered[c] = true;
      }
      for (var a = 0; a < often.length; a++) {
        if (!often[a]) continue;
        var b = a;
        while (b + 1 < often.length && often[b + 1]) b++;
        var size = b - a + 4; // the run's characters and one more
        var before = a > 0 ? counts[a - 1] : Infinity;
        var after = b + 1 < often.length ? counts[b + 1] : Infinity;
        if (size > meta.phrases[1]) {
          for (var t = a; t <= b; t += 3) take(t, 3);
          if ((b - a) % 3) take(b, 3);
        } else if (before <= after) take(a - 1, size);
        else take(a, size);
        a = b;
      }
      for (var c = 0; c < n; c++) if (!covered[c]) take(Math.min(c, n - 3), 3);
      keys.sort(function (x, y) { return x.at - y.at || x.size - y.size; });
      return Promise.all(keys.map(function (k) { return self.postings(k.key, meta); })).then(function (lists) {
        if (lists.some(function (l) { return l === null; })) return new Map();
        if (keys[0].size === n) return answer(lists[0], allowed); // the term is an edge key itself
        var candidates = lists.reduce(function (acc, l) { return intersect(acc, l.docs); }, lists[0].docs);
        records.forEach(function (r) { if (typeof r === "string") candidates = intersect(candidates, decodePostings(r).docs); });
        if (allowed) candidates = candidates.filter(function (d) { return allowed.has(d); });
        return self.prove(keys, lists, candidates, meta);
      });
    });
  };

  // A term proven by its cover triples (coverKeys): a term of two or three units is its own key.
  Engine.prototype.cover = function (term, meta, allowed) {
    var self = this;
    return Promise.resolve().then(function () {
      return Promise.all(term.keys.map(function (k) { return self.postings(k.key, meta); })).then(function (cover) {
        if (cover.some(function (l) { return l === null; })) return new Map();
        if (cover.length === 1) return answer(cover[0], allowed);
        var candidates = cover.reduce(function (acc, l) { return intersect(acc, l.docs); }, cover[0].docs);
        // The triples between the cover keys cost a shard each and can only drop candidates. When
        // every document of the rarest cover triple holds the others, the cover keys are one
        // phrase's documents (a template and its slot), and so, measured, are those triples'.
        var rarest = Math.min.apply(null, cover.map(function (l) { return l.docs.length; }));
        var inner = candidates.length && candidates.length < rarest ? term.inner : [];
        return Promise.all(inner.map(function (k) { return self.light(k, meta); })).then(function (narrowing) {
          if (narrowing.some(function (l) { return l === null; })) return new Map();
          candidates = narrowing.reduce(function (acc, l) { return l ? intersect(acc, l.docs) : acc; }, candidates);
          if (allowed) candidates = candidates.filter(function (d) { return allowed.has(d); });
          return self.prove(term.keys, cover, candidates, meta);
        });
      });
    });
  };

  // A key's postings are a term's exact answer (a term of two or three units, or a phrase key).
  function answer(p, allowed) {
    var hits = new Map();
    for (var i = 0; i < p.docs.length; i++) {
      if (allowed && !allowed.has(p.docs[i])) continue;
      hits.set(p.docs[i], { title: (p.flags[i] & 1) > 0, body: p.body[i], whole: (p.flags[i] & 2) > 0, chunk: p.flags[i] >> 2 });
    }
    return hits;
  }

  // A phrase on its candidates: every cover key's positions, then the documents where they line up.
  Engine.prototype.prove = function (keys, lists, candidates, meta) {
    var hits = new Map();
    if (!candidates.length) return hits;
    var self = this;
    var want = new Set(candidates);
    return Promise.all(keys.map(function (k, i) { return self.positions(k.key, lists[i], want, meta); })).then(function (maps) {
      candidates.forEach(function (doc) {
        var hit = verify(keys, maps.map(function (m) { return m.get(doc); }), meta);
        if (hit) hits.set(doc, hit);
      });
      return hits;
    });
  };

  // A phrase occurs at p when every cover key occurs at p + its offset in the phrase.
  function verify(keys, fields, meta) {
    var found = { title: false, body: 0, whole: false, chunk: 0 };
    var lastAt = keys[keys.length - 1].at;
    for (var f = 0; f < 2; f++) {
      var sets = fields.map(function (pair) {
        var m = new Map();
        pair[f].forEach(function (v) { m.set(v >> 2, v & 3); });
        return m;
      });
      fields[0][f].forEach(function (v) {
        var p = v >> 2;
        for (var i = 1; i < keys.length; i++) if (!sets[i].has(p + keys[i].at)) return;
        var whole = (v & 2) > 0 && (sets[keys.length - 1].get(p + lastAt) & 1) > 0;
        found.whole = found.whole || whole;
        if (f === 0) found.title = true;
        else {
          if (found.body === 0) found.chunk = Math.min(meta.chunks - 1, Math.floor(p / meta.chunk));
          found.body++;
        }
      });
    }
    return found.title || found.body ? found : null;
  }

  // options: {section, person, month ("YYYY" or "YYYY-MM"), sort: "rank" | "date"}
  Engine.prototype.search = function (query, options) {
    var self = this;
    options = options || {};
    var started = now();
    this.waited = 0;
    var meta;
    return this.get("meta").then(function (m) {
      meta = m;
      return self.t2s(query, meta);
    }).then(function (t2s) {
      var folded = fold(query, t2s);
      var list = terms(folded);
      var result = { query: folded, terms: list.map(function (t) { return t.text; }), total: 0, hits: [], message: "", meta: meta };
      var single = list.filter(function (t) { return !t.keys.length; });
      if (single.length) {
        result.message = "单个汉字无法检索:“" + single[0].text + "”,请输入两个字以上的词。";
        return result;
      }
      if (!list.length) return result;
      return self.filter(options, meta).then(function (allowed) {
        return self.combine(list, meta, allowed, options.sort === "date");
      }).then(function (combined) {
        result.total = combined.length;
        result.hits = combined;
        return result;
      });
    }).then(function (result) {
      result.ms = now() - started;
      result.computeMs = result.ms - self.waited;
      return result;
    });
  };

  // The documents the filters allow (a Set), or null for all of them.
  Engine.prototype.filter = function (options, meta) {
    var sets = [];
    var keys = [];
    if (options.section) keys.push("\u0001s" + options.section);
    if (options.person) keys.push("\u0001p" + fold(options.person.trim(), null));
    var self = this;
    return Promise.all(keys.map(function (k) { return self.postings(k, meta); })).then(function (lists) {
      lists.forEach(function (l) { sets.push(l ? l.docs : []); });
      if (options.month) {
        var range = null;
        meta.months.forEach(function (m) {
          if (m[0] === options.month || m[0].slice(0, 4) === options.month) {
            range = range ? [Math.min(range[0], m[1]), Math.max(range[1], m[2])] : [m[1], m[2]];
          }
        });
        var ids = [];
        if (range) for (var d = range[0]; d < range[1]; d++) ids.push(d);
        sets.push(ids);
      }
      if (!sets.length) return null;
      return new Set(sets.reduce(intersect));
    });
  };

  Engine.prototype.combine = function (list, meta, allowed, byDate) {
    var self = this;
    // Sequentially, rarest-looking first is unknowable before loading; each term narrows the next.
    var scores = null;
    var chain = Promise.resolve(allowed);
    list.forEach(function (term) {
      chain = chain.then(function (limit) {
        return self.term(term, meta, limit).then(function (hits) {
          var idf = Math.log(1 + (meta.documents - hits.size + 0.5) / (hits.size + 0.5));
          var next = new Map();
          hits.forEach(function (hit, doc) {
            if (scores && !scores.has(doc)) return;
            var s = idf * (TITLE_WEIGHT * (hit.title ? 1 : 0) + saturate(hit.body)) * (hit.whole ? WHOLE_WORD : 1);
            var before = scores ? scores.get(doc) : { score: 0, chunk: hit.body ? hit.chunk : 0 };
            next.set(doc, { score: before.score + s, chunk: before.chunk });
          });
          scores = next;
          return new Set(next.keys());
        });
      });
    });
    return chain.then(function () {
      var out = [];
      var newer = newestFirst(meta);
      scores.forEach(function (v, doc) { out.push({ doc: doc, score: v.score, chunk: v.chunk }); });
      out.sort(function (x, y) {
        if (!byDate && y.score !== x.score) return y.score - x.score;
        return newer[x.doc] - newer[y.doc];
      });
      return out;
    });
  };

  // Each document's place newest first: a later issue first, then the printed order (ids ascend
  // with both). meta.issues holds each issue's article count, oldest first, as varints.
  var placesOf = new WeakMap();
  function newestFirst(meta) {
    if (placesOf.has(meta)) return placesOf.get(meta);
    var places = new Int32Array(meta.documents);
    var r = new Reader(meta.issues);
    var start = 0;
    while (r.more()) {
      var end = start + r.next();
      for (var doc = start; doc < end; doc++) places[doc] = meta.documents - end + doc - start;
      start = end;
    }
    placesOf.set(meta, places);
    return places;
  }

  function lowerBound(array, value) {
    var lo = 0;
    var hi = array.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (array[mid] < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  function now() {
    return typeof performance !== "undefined" ? performance.now() : Date.now();
  }

  /* ---- snippets: where the terms are in a fragment's text, counted in code points ---- */

  // The fragment's characters and their folded forms, one code point each.
  function foldFragment(text, folds) {
    var original = Array.from(text);
    var folded = original.slice();
    (folds || []).forEach(function (pair) { folded[pair[0]] = pair[1]; });
    return { original: original, folded: folded.map(function (ch) { return fold(ch, null); }) };
  }

  // [[start, end], ...] of every term occurrence, in order, not overlapping.
  function marks(folded, termTexts) {
    var found = [];
    termTexts.forEach(function (text) {
      var t = Array.from(text);
      for (var i = 0; t.length && i + t.length <= folded.length; i++) {
        var k = 0;
        while (k < t.length && folded[i + k] === t[k]) k++;
        if (k === t.length) {
          found.push([i, i + k]);
          i += k - 1;
        }
      }
    });
    found.sort(function (x, y) { return x[0] - y[0] || y[1] - x[1]; });
    var out = [];
    found.forEach(function (m) { if (!out.length || m[0] >= out[out.length - 1][1]) out.push(m); });
    return out;
  }

  // A window of `width` characters around the first match: {start, end, marks}.
  function snippet(folded, termTexts, width) {
    var all = marks(folded, termTexts);
    var first = all.length ? all[0][0] : 0;
    var start = Math.max(0, first - Math.floor(width / 4));
    var end = Math.min(folded.length, start + width);
    return { start: start, end: end, marks: all.filter(function (m) { return m[0] >= start && m[1] <= end; }) };
  }


  /* ---- the page ---- */

  function scriptLoader(base) {
    var slots = {};
    function slot(name) {
      if (!slots[name]) {
        var s = { requested: false };
        s.promise = new Promise(function (resolve, reject) { s.resolve = resolve; s.reject = reject; });
        slots[name] = s;
      }
      return slots[name];
    }
    global.__xinyuSearch = function (name, data) { slot(name).resolve(data); };
    return function load(name) {
      var s = slot(name);
      if (!s.requested) {
        s.requested = true;
        var element = document.createElement("script");
        element.src = base + name + ".js";
        element.onerror = function () { s.reject(new Error("无法载入检索数据 " + name)); };
        document.head.appendChild(element);
      }
      return s.promise;
    };
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Text with the matched parts in <mark>; every piece goes in as text.
  function appendMarked(parent, original, range, markList) {
    var at = range[0];
    markList.forEach(function (m) {
      parent.appendChild(document.createTextNode(original.slice(at, m[0]).join("")));
      parent.appendChild(el("mark", "", original.slice(m[0], m[1]).join("")));
      at = m[1];
    });
    parent.appendChild(document.createTextNode(original.slice(at, range[1]).join("")));
  }

  function cnDate(iso) {
    var p = iso.split("-");
    return Number(p[0]) + "年" + Number(p[1]) + "月" + Number(p[2]) + "日";
  }

  function pageUrl(params, changes) {
    var next = new URLSearchParams(params);
    Object.keys(changes).forEach(function (k) {
      if (changes[k]) next.set(k, changes[k]);
      else next.delete(k);
    });
    return "?" + next.toString();
  }

  function renderHit(hit, fragment, termTexts) {
    var item = el("li", "result");
    var heading = el("h2");
    var link = el("a");
    link.href = "../" + fragment.u;
    var title = foldFragment(fragment.t, fragment.tf);
    appendMarked(link, title.original, [0, title.original.length], marks(title.folded, termTexts));
    heading.appendChild(link);
    item.appendChild(heading);
    var meta = el("p", "meta");
    var time = el("time", "", cnDate(fragment.d));
    time.setAttribute("datetime", fragment.d);
    meta.appendChild(time);
    meta.appendChild(document.createTextNode(" · " + fragment.s));
    if (fragment.b.length) meta.appendChild(document.createTextNode(" · " + fragment.b.join("、")));
    item.appendChild(meta);
    var body = foldFragment(fragment.x, fragment.xf);
    var cut = snippet(body.folded, termTexts, 110);
    var text = el("p", "snippet");
    if (cut.start > 0 || fragment.o > 0) text.appendChild(document.createTextNode("…"));
    appendMarked(text, body.original, [cut.start, cut.end], cut.marks);
    if (cut.end < body.original.length) text.appendChild(document.createTextNode("…"));
    item.appendChild(text);
    return item;
  }

  function renderPager(params, page, pages) {
    var nav = el("nav", "pager");
    nav.setAttribute("aria-label", "搜索结果分页");
    function link(label, n, rel) {
      var a = el("a", "", label);
      a.href = pageUrl(params, { page: n > 1 ? String(n) : "" });
      if (rel) a.rel = rel;
      nav.appendChild(a);
    }
    if (page > 1) link("← 上一页", page - 1, "prev");
    for (var n = Math.max(1, page - 4); n <= Math.min(pages, page + 4); n++) {
      if (n === page) {
        var current = el("span", "", String(n));
        current.setAttribute("aria-current", "page");
        nav.appendChild(current);
      } else link(String(n), n);
    }
    if (page < pages) link("下一页 →", page + 1, "next");
    return nav;
  }

  function fillMonths(select, meta, chosen) {
    var years = {};
    meta.months.slice().reverse().forEach(function (m) {
      var year = m[0].slice(0, 4);
      if (!years[year]) {
        years[year] = true;
        select.appendChild(new Option(year + "年(全年)", year));
      }
      select.appendChild(new Option(year + "年" + Number(m[0].slice(5)) + "月", m[0]));
    });
    select.value = chosen || "";
  }

  function startPage() {
    var results = document.getElementById("search-results");
    var form = document.getElementById("search-form");
    var own = document.querySelector("script[data-index]");
    if (!results || !form || !own) return;
    var load = scriptLoader(own.getAttribute("data-index"));
    var engine = new Engine(load);
    var params = new URLSearchParams(global.location.search);
    var options = {
      section: params.get("section") || "",
      person: params.get("person") || "",
      month: params.get("month") || "",
      sort: params.get("sort") === "date" ? "date" : "rank",
    };
    var query = (params.get("q") || "").trim();
    var page = Math.max(1, parseInt(params.get("page") || "1", 10) || 1);
    form.elements.q.value = query;
    form.elements.section.value = options.section;
    form.elements.person.value = options.person;
    form.elements.sort.value = options.sort;
    form.elements.person.addEventListener("focus", function () {
      load("people").then(function (people) {
        var list = document.getElementById("people-list");
        if (list.children.length) return;
        people.forEach(function (p) { list.appendChild(new Option(p[0] + "(" + p[1] + " 篇)", p[0])); });
      });
    }, { once: true });
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      var typing = /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName);
      if (event.key === "/" && !typing) {
        event.preventDefault();
        form.elements.q.focus();
        form.elements.q.select();
      } else if ((event.key === "ArrowDown" || event.key === "ArrowUp") && (results.contains(target) || target === form.elements.q)) {
        var links = Array.prototype.slice.call(results.querySelectorAll(".result h2 a"));
        var index = links.indexOf(target);
        var next = event.key === "ArrowDown" ? index + 1 : index - 1;
        if (next >= 0 && next < links.length) {
          event.preventDefault();
          links[next].focus();
        } else if (next < 0 && index === 0) {
          event.preventDefault();
          form.elements.q.focus();
        }
      }
    });
    load("meta").then(function (meta) { fillMonths(form.elements.month, meta, options.month); });
    if (!query) {
      results.setAttribute("data-state", "idle");
      return;
    }
    results.setAttribute("data-state", "loading");
    results.textContent = "正在检索……";
    var found;
    engine.search(query, options).then(function (result) {
      found = result;
      var pages = Math.max(1, Math.ceil(result.total / PER_PAGE));
      page = Math.min(page, pages);
      var shown = result.hits.slice((page - 1) * PER_PAGE, page * PER_PAGE);
      var names = shown.map(function (h) { return fragmentName(h.doc, h.chunk, result.meta); });
      return engine.getAll(names).then(function (fragments) {
        var started = now();
        results.textContent = "";
        var summary = el("p", "search-summary");
        if (!result.total) {
          summary.textContent = result.message || "没有找到与“" + query + "”相关的报道。";
        } else {
          summary.textContent = "找到 " + result.total + " 篇与“" + query + "”相关的报道" +
            (pages > 1 ? ",第 " + page + "/" + pages + " 页" : "") + "。";
          var sorter = el("span", "sort-switch");
          var byDate = options.sort === "date";
          var other = el("a", "", byDate ? "按相关度排序" : "按日期排序");
          other.href = pageUrl(params, { sort: byDate ? "" : "date", page: "" });
          sorter.appendChild(document.createTextNode(byDate ? " 按日期排序 · " : " 按相关度排序 · "));
          sorter.appendChild(other);
          summary.appendChild(sorter);
        }
        results.appendChild(summary);
        if (shown.length) {
          var list = el("ol", "results");
          list.start = (page - 1) * PER_PAGE + 1;
          shown.forEach(function (hit, i) { list.appendChild(renderHit(hit, fragments[i], result.terms)); });
          results.appendChild(list);
        }
        if (pages > 1) results.appendChild(renderPager(params, page, pages));
        found.computeMs += now() - started;
      });
    }).then(function () {
      results.setAttribute("data-total", String(found.total));
      results.setAttribute("data-compute-ms", found.computeMs.toFixed(1));
      results.setAttribute("data-state", "done");
    }, function (error) {
      results.textContent = "检索出错:" + error.message;
      results.setAttribute("data-state", "error");
    });
  }

  var engine = {
    fold: fold, terms: terms, coverKeys: coverKeys, innerTriples: innerTriples, keyHash: keyHash, decodePostings: decodePostings,
    decodePositions: decodePositions, Engine: Engine, marks: marks, snippet: snippet, foldFragment: foldFragment,
    PER_PAGE: PER_PAGE, fragmentName: fragmentName,
  };
  if (typeof module !== "undefined" && module.exports) module.exports = engine;
  if (typeof document !== "undefined") {
    global.XinyuSearch = engine;
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startPage);
    else startPage();
  }
})(typeof window !== "undefined" ? window : this);
