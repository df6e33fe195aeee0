package io.ropescale.jobs;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.io.IOException;
import java.util.List;
import java.util.function.Function;

/**
 * A sweep spec as written: the YAML keys, their types and which are lists or mappings, in one
 * place ({@link SpecYaml} binds it, refusing unknown keys; {@link SweepSpec} checks the values).
 * Keys are the snake_case of the component names ({@code tuneLengths} is {@code tune_lengths}).
 * Absent keys are null. A stage's section (attention, base_search, corpus) is null when the spec
 * does not ask for that stage ({@link StagePlan}).
 */
public record SpecDocument(
    String name,
    List<Model> models,
    Bases bases,
    List<Long> tuneLengths,
    List<RopeType> ropeTypes,
    Attention attention,
    BaseSearch baseSearch,
    Corpus corpus,
    ModelAttention modelAttention) {

  /** A {@code models:} entry: a name from datasets/models.csv, or a mapping. */
  @JsonDeserialize(using = Model.Reader.class)
  public record Model(String catalogName, ModelKeys keys) {
    static final class Reader extends WordOrMapping<Model, ModelKeys> {
      Reader() {
        super(Model.class, ModelKeys.class,
            "must be a model name, {hf_config: path} or explicit numbers {head_dim, train_len, ...}",
            word -> new Model(word, null), keys -> new Model(null, keys));
      }
    }
  }

  /**
   * A model as a mapping: {@code hf_config} (a Hugging Face config.json, relative to the spec's
   * folder) and/or explicit numbers, which override the config's facts.
   */
  public record ModelKeys(String name, String hfConfig, Integer headDim, Integer rotaryDim, Double partialRotaryFactor,
      Double ropeTheta, Long trainLen, Long maxPositionEmbeddings) {}

  /** {@code bases:}: a list of bases, or a log range {@code {from, to, per_decade}}. */
  @JsonDeserialize(using = Bases.Reader.class)
  public record Bases(List<Double> list, Range range) {
    static final class Reader extends JsonDeserializer<Bases> {
      @Override
      public Bases deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        if (p.currentToken() == JsonToken.START_ARRAY) {
          return new Bases(ctxt.readValue(p, ctxt.getTypeFactory().constructCollectionType(List.class, Double.class)),
              null);
        }
        if (p.currentToken() == JsonToken.START_OBJECT) {
          return new Bases(null, ctxt.readValue(p, Range.class));
        }
        return (Bases) ctxt.reportInputMismatch(Bases.class, "must be a non-empty list or {from, to, per_decade}");
      }
    }
  }

  public record Range(Double from, Double to, Double perDecade) {}

  /**
   * A {@code rope_types:} entry: {@code default}, {@code model} (the model's own rope_scaling), or a
   * mapping naming a Hugging Face rope type and its parameters.
   */
  @JsonDeserialize(using = RopeType.Reader.class)
  public record RopeType(String word, Scaling scaling) {
    static final class Reader extends WordOrMapping<RopeType, Scaling> {
      Reader() {
        super(RopeType.class, Scaling.class, "must be 'default', 'model' or {type, factor, ...}",
            word -> new RopeType(word, null), scaling -> new RopeType(null, scaling));
      }
    }
  }

  public record Scaling(String type, Double factor, Long originalMaxPositionEmbeddings, Double lowFreqFactor,
      Double highFreqFactor, Double betaFast, Double betaSlow) {}

  /** {@code attention:} (attention-profile stage). */
  public record Attention(Long maxPosition, String engine) {}

  /** {@code base_search:} (base-search stage). */
  public record BaseSearch(List<Long> contexts, Integer gridPerDecade, Double maxBase, List<Integer> rotaryDims) {}

  /** {@code corpus:} (corpus-coverage stage, docs/corpus.md); {@code paths} may be one string. */
  public record Corpus(String name, @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> paths,
      String format, String textField, String tokenizer, String engine, Double tokenDetailSample) {}

  /**
   * {@code model_attention:} (model-attention stage, docs/model-attention.md); defaults and ranges
   * are ModelAttentionSettings'. {@code bases} is shaped as spec.bases.
   */
  public record ModelAttention(String gguf, String name, List<String> paths, Integer documents, Integer minTokens,
      Integer maxTokens, List<Variant> variants, List<Integer> layers, Integer farDistance, Double tokenDetailSample,
      Double excessThreshold, Integer smoothing, Boolean qkCorrelation, Bases bases, Integer threads) {}

  /** A {@code model_attention.variants:} entry: {@code native}, or a mapping {base, type, factor, ...}. */
  @JsonDeserialize(using = Variant.Reader.class)
  public record Variant(String word, VariantKeys keys) {
    static final class Reader extends WordOrMapping<Variant, VariantKeys> {
      Reader() {
        super(Variant.class, VariantKeys.class, "must be native, {base: B} or {type: T, factor: F, ...}",
            word -> new Variant(word, null), keys -> new Variant(null, keys));
      }
    }
  }

  /** A variant as a mapping: a base, a Hugging Face rope type with its parameters, or both. */
  public record VariantKeys(String label, Double base, String type, Double factor, Long originalMaxPositionEmbeddings,
      Double lowFreqFactor, Double highFreqFactor, Double betaFast, Double betaSlow) {}

  /** An entry written either as one word or as a mapping bound to {@code M} (which refuses unknown keys). */
  abstract static class WordOrMapping<T, M> extends JsonDeserializer<T> {
    private final Class<T> type;
    private final Class<M> mapping;
    private final String expected;
    private final Function<String, T> ofWord;
    private final Function<M, T> ofMapping;

    WordOrMapping(Class<T> type, Class<M> mapping, String expected, Function<String, T> ofWord,
        Function<M, T> ofMapping) {
      this.type = type;
      this.mapping = mapping;
      this.expected = expected;
      this.ofWord = ofWord;
      this.ofMapping = ofMapping;
    }

    @Override
    public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (p.currentToken() == JsonToken.VALUE_STRING) {
        return ofWord.apply(p.getText());
      }
      if (p.currentToken() == JsonToken.START_OBJECT) {
        return ofMapping.apply(ctxt.readValue(p, mapping));
      }
      return type.cast(ctxt.reportInputMismatch(type, expected));
    }
  }
}
