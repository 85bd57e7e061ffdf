from django.db import migrations

from workbench.dbtriggers import Trigger, install

SENTENCE_MATCHES_BODY = Trigger(
    postgresql="""
CREATE OR REPLACE FUNCTION sources_sentence_matches_body() RETURNS trigger AS $$
DECLARE
  article_body text;
BEGIN
  IF NEW."end" <= NEW.start OR NEW.start < 0 THEN
    RAISE EXCEPTION 'sentence span must satisfy 0 <= start < end' USING ERRCODE = 'check_violation';
  END IF;
  SELECT body INTO article_body FROM sources_article WHERE id = NEW.article_id;
  IF NEW."end" > char_length(article_body)
     OR NEW.text IS DISTINCT FROM substr(article_body, NEW.start + 1, NEW."end" - NEW.start) THEN
    RAISE EXCEPTION 'sentence text must equal article body[start:end]' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;;
CREATE TRIGGER sources_sentence_matches_body BEFORE INSERT OR UPDATE ON sources_sentence
FOR EACH ROW EXECUTE FUNCTION sources_sentence_matches_body();;
CREATE OR REPLACE FUNCTION sources_article_body_fixed() RETURNS trigger AS $$
BEGIN
  IF NEW.body IS DISTINCT FROM OLD.body THEN
    RAISE EXCEPTION 'an article body cannot change once stored' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;;
CREATE TRIGGER sources_article_body_fixed BEFORE UPDATE ON sources_article
FOR EACH ROW EXECUTE FUNCTION sources_article_body_fixed()
""",
    postgresql_drop="""
DROP TRIGGER IF EXISTS sources_sentence_matches_body ON sources_sentence;;
DROP FUNCTION IF EXISTS sources_sentence_matches_body();;
DROP TRIGGER IF EXISTS sources_article_body_fixed ON sources_article;;
DROP FUNCTION IF EXISTS sources_article_body_fixed()
""",
    sqlite="""
CREATE TRIGGER sources_sentence_matches_body_insert BEFORE INSERT ON sources_sentence
WHEN NEW."end" > (SELECT length(body) FROM sources_article WHERE id = NEW.article_id)
  OR NEW.text IS NOT (SELECT substr(body, NEW.start + 1, NEW."end" - NEW.start) FROM sources_article WHERE id = NEW.article_id)
BEGIN SELECT RAISE(ABORT, 'sentence text must equal article body[start:end]'); END;;
CREATE TRIGGER sources_sentence_matches_body_update BEFORE UPDATE ON sources_sentence
WHEN NEW."end" > (SELECT length(body) FROM sources_article WHERE id = NEW.article_id)
  OR NEW.text IS NOT (SELECT substr(body, NEW.start + 1, NEW."end" - NEW.start) FROM sources_article WHERE id = NEW.article_id)
BEGIN SELECT RAISE(ABORT, 'sentence text must equal article body[start:end]'); END;;
CREATE TRIGGER sources_article_body_fixed BEFORE UPDATE OF body ON sources_article
WHEN NEW.body IS NOT OLD.body
BEGIN SELECT RAISE(ABORT, 'an article body cannot change once stored'); END
""",
    sqlite_drop="""
DROP TRIGGER IF EXISTS sources_sentence_matches_body_insert;;
DROP TRIGGER IF EXISTS sources_sentence_matches_body_update;;
DROP TRIGGER IF EXISTS sources_article_body_fixed
""",
)


class Migration(migrations.Migration):
    dependencies = [("sources", "0001_initial")]
    operations = [migrations.RunPython(*install(SENTENCE_MATCHES_BODY))]
