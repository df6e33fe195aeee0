package io.ropescale.rope;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Models from datasets/models.csv and from Hugging Face config.json files. */
class ModelInputsTest {
  static Path resource(String name) throws Exception {
    return Path.of(ModelInputsTest.class.getResource("/" + name).toURI());
  }

  @Test
  void catalogueHasTheWidelyUsedModels() {
    ModelCatalog cat = ModelCatalog.bundled();
    assertTrue(cat.all().size() >= 12, "at least 12 models");
    for (String name : new String[] {"llama2-7b", "llama2-13b", "llama2-70b", "codellama-7b", "llama3-8b",
        "llama3.1-8b", "mistral-7b-v0.1", "qwen2-7b", "phi-3-mini-4k", "smollm2-1.7b", "pythia-6.9b"}) {
      RopeModel m = cat.get(name);
      assertTrue(m.source().length() > 5, name + " names its source");
    }
    RopeModel llama2 = cat.get("llama2-7b");
    assertEquals(128, llama2.rotaryDim());
    assertEquals(4096, llama2.trainLen());
    assertEquals(10000, llama2.ropeTheta());
    assertEquals(92, ScalingLaws.bounds(llama2.config()).criticalDim());
    RopeModel pythia = cat.get("pythia-6.9b");
    assertEquals(32, pythia.rotaryDim(), "rotary_pct 0.25 of head dim 128");
    assertEquals("llama3", cat.get("llama3.1-8b").scaling().type());
    assertEquals(48, cat.get("phi-3-mini-128k").scaling().longFactor().length);
  }

  @Test
  void everyCatalogueModelComputesBounds() {
    for (RopeModel m : ModelCatalog.bundled().all()) {
      BoundsReport r = ScalingLaws.bounds(m.config());
      assertTrue(r.criticalDim() >= 0 && r.criticalDim() <= r.rotaryDim(), m.name());
      assertTrue(r.extrapolationBound() >= r.trainLen(), m.name());
    }
  }

  @Test
  void unknownModelNamesTheKnownOnes() {
    RopeInputException e = assertThrows(RopeInputException.class, () -> ModelCatalog.bundled().get("gpt-5"));
    assertEquals("model", e.field());
    assertTrue(e.getMessage().contains("llama2-7b"));
  }

  @Test
  void malformedCatalogueRowsAreNamed() {
    String header = "name,family,head_dim,rotary_dim,partial_rotary_factor,rope_theta,train_len,max_position_embeddings,"
        + "rope_type,factor,original_max_position_embeddings,low_freq_factor,high_freq_factor,beta_fast,beta_slow,"
        + "short_factor,long_factor,source\n";
    String bad = header + "x,f,128,128,1,ten,4096,4096,default,,,,,,,,,src\n";
    RopeInputException e = assertThrows(RopeInputException.class, () -> ModelCatalog.parse(
        new ByteArrayInputStream(bad.getBytes(StandardCharsets.UTF_8)), "t.csv"));
    assertTrue(e.field().contains("line 2") && e.field().contains("rope_theta"), e.field());
  }

  @Test
  void llama31ConfigJson() throws Exception {
    RopeModel m = HfConfigs.read(resource("llama31-config.json"));
    assertEquals("meta-llama/Llama-3.1-8B", m.name());
    assertEquals(128, m.headDim());
    assertEquals(8192, m.trainLen(), "original_max_position_embeddings is the pre-training length");
    assertEquals(131072, m.maxPositionEmbeddings());
    assertEquals("llama3", m.scaling().type());
    RopeModel fromCatalogue = ModelCatalog.bundled().get("llama3.1-8b");
    assertArrayEquals(RopeTypes.theta(fromCatalogue.config()), RopeTypes.theta(m.config()), 0);
  }

  @Test
  void neoxPartialRotaryConfigJson() throws Exception {
    RopeModel m = HfConfigs.read(resource("neox-config.json"));
    assertEquals(32, m.rotaryDim());
    assertEquals(2048, m.trainLen());
  }

  @Test
  void malformedConfigJsonIsNamed() throws Exception {
    Path p = Files.createTempFile("cfg", ".json");
    Files.writeString(p, "{\"hidden_size\": 4096, \"num_attention_heads\": 32}");
    RopeInputException e = assertThrows(RopeInputException.class, () -> HfConfigs.read(p));
    assertEquals("max_position_embeddings", e.field());
    Files.writeString(p, "{not json");
    e = assertThrows(RopeInputException.class, () -> HfConfigs.read(p));
    assertTrue(e.getMessage().contains("JSON"), e.getMessage());
    Files.writeString(p, "{\"hidden_size\": 4096, \"num_attention_heads\": 32, \"max_position_embeddings\": 4096,"
        + " \"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 0.5}}");
    e = assertThrows(RopeInputException.class, () -> HfConfigs.read(p));
    assertEquals("rope_scaling.factor", e.field());
  }

  @Test
  void oneResolverForFlagsAndSpecKeys() {
    ModelInputs.Fields spec = ModelInputs.Fields.keys("spec.models[2]");
    // explicit numbers alone
    RopeModel explicit = ModelInputs.resolve(new ModelInputs.Input(null, null, 128, null, 0.25, 4096L, 10000.0, null,
        null, "spec"), spec);
    assertEquals(32, explicit.rotaryDim());
    assertEquals(4096, explicit.maxPositionEmbeddings(), "defaults to the training length");
    assertEquals("d32-T4096-b10000.0", explicit.name());
    // a named model with one number overridden: the rest stays the model's
    RopeModel pythia = ModelInputs.resolve(new ModelInputs.Input("pythia-6.9b", null, null, null, null, null, 1e6, null,
        null, "flags"), ModelInputs.Fields.FLAGS);
    assertEquals(32, pythia.rotaryDim(), "rotary_pct 0.25 kept while the head dim is the model's");
    assertEquals(1e6, pythia.ropeTheta());
    assertEquals("pythia-6.9b", pythia.name());
    // a new head dim drops the model's rotary dim: whole head unless a factor is given
    assertEquals(64, ModelInputs.resolve(new ModelInputs.Input("pythia-6.9b", null, 64, null, null, null, null, null,
        null, "flags"), ModelInputs.Fields.FLAGS).rotaryDim());
    RopeInputException both = assertThrows(RopeInputException.class, () -> ModelInputs.resolve(new ModelInputs.Input(
        null, null, 128, 64, 0.5, 4096L, 1e4, null, null, "spec"), spec));
    assertEquals("spec.models[2].partial_rotary_factor", both.field());
    assertTrue(both.getMessage().contains("give either spec.models[2].rotary_dim or spec.models[2].partial_rotary_factor"));
    RopeInputException twoModels = assertThrows(RopeInputException.class,
        () -> ModelInputs.named("llama2-7b", Path.of("config.json"), ModelInputs.Fields.FLAGS));
    assertEquals("--hf-config", twoModels.field());
    RopeInputException missing = assertThrows(RopeInputException.class, () -> ModelInputs.resolve(new ModelInputs.Input(
        null, null, 128, null, null, null, 1e4, null, null, "flags"), ModelInputs.Fields.FLAGS));
    assertEquals("--train-len", missing.field());
    assertEquals("spec.models[2].head_dim", assertThrows(RopeInputException.class, () -> ModelInputs.resolve(
        new ModelInputs.Input(null, null, 127, null, null, 4096L, 1e4, null, null, "spec"), spec)).field());
  }

  @Test
  void scalingFromKeys() {
    RopeScaling s = new ModelInputs.Scaling("YaRN", 4.0, null, null, null, 16.0, null).resolve(null, null);
    assertEquals("yarn", s.type());
    assertEquals(4.0, s.factor());
    assertEquals(16.0, s.betaFast());
    assertTrue(Double.isNaN(s.betaSlow()));
    assertEquals(0, s.originalMaxPositionEmbeddings());
    assertTrue(new ModelInputs.Scaling(null, null, null, null, null, null, null).resolve(null, null).isDefault());
  }
}
