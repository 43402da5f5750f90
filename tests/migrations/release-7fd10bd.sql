-- database: registration
--
-- PostgreSQL database dump
--


-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: catchup_positions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.catchup_positions (
    consumer character varying(120) NOT NULL,
    source character varying(40) NOT NULL,
    "position" bigint NOT NULL
);


--
-- Name: events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.events (
    global_position bigint NOT NULL,
    event_id character varying(36) NOT NULL,
    tenant_id character varying(64) NOT NULL,
    stream_type character varying(40) NOT NULL,
    stream_id character varying(64) NOT NULL,
    stream_position integer NOT NULL,
    event_type character varying(80) NOT NULL,
    schema_version integer NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    actor_kind character varying(20) NOT NULL,
    actor_id character varying(64),
    correlation_id character varying(64) NOT NULL,
    causation_id character varying(64),
    source character varying(40) NOT NULL,
    payload text NOT NULL
);

ALTER TABLE ONLY public.events FORCE ROW LEVEL SECURITY;


--
-- Name: events_global_position_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.events_global_position_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: events_global_position_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.events_global_position_seq OWNED BY public.events.global_position;


--
-- Name: inbox; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.inbox (
    consumer character varying(120) NOT NULL,
    event_id character varying(36) NOT NULL,
    tenant_id character varying(64) NOT NULL,
    handled_at timestamp with time zone NOT NULL
);

ALTER TABLE ONLY public.inbox FORCE ROW LEVEL SECURITY;


--
-- Name: leases; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.leases (
    name character varying(120) NOT NULL,
    holder character varying(120) NOT NULL,
    expires_at timestamp with time zone NOT NULL
);


--
-- Name: outbox; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.outbox (
    global_position bigint NOT NULL,
    tenant_id character varying(64) NOT NULL,
    exchange character varying(64) NOT NULL,
    enqueued_at timestamp with time zone NOT NULL
);

ALTER TABLE ONLY public.outbox FORCE ROW LEVEL SECURITY;


--
-- Name: scheduled_jobs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.scheduled_jobs (
    job_id character varying(36) NOT NULL,
    tenant_id character varying(64) NOT NULL,
    kind character varying(80) NOT NULL,
    job_key character varying(200) NOT NULL,
    due_at timestamp with time zone NOT NULL,
    payload text NOT NULL,
    claimed_by character varying(120),
    claimed_until timestamp with time zone,
    attempts integer NOT NULL,
    last_error text,
    done_at timestamp with time zone
);

ALTER TABLE ONLY public.scheduled_jobs FORCE ROW LEVEL SECURITY;


--
-- Name: stream_cursors; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.stream_cursors (
    consumer character varying(120) NOT NULL,
    tenant_id character varying(64) NOT NULL,
    stream_type character varying(40) NOT NULL,
    stream_id character varying(64) NOT NULL,
    "position" integer NOT NULL
);

ALTER TABLE ONLY public.stream_cursors FORCE ROW LEVEL SECURITY;


--
-- Name: events global_position; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events ALTER COLUMN global_position SET DEFAULT nextval('public.events_global_position_seq'::regclass);


--
-- Data for Name: catchup_positions; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.catchup_positions (consumer, source, "position") FROM stdin;
\.


--
-- Data for Name: events; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.events (global_position, event_id, tenant_id, stream_type, stream_id, stream_position, event_type, schema_version, occurred_at, actor_kind, actor_id, correlation_id, causation_id, source, payload) FROM stdin;
1	1f974699-d0bf-4692-8567-3785af23760f	old-release	tenant	old-release	1	TenantCreated	1	2026-12-01 17:18:09.667848+00	coordinator	k	60550d08-4617-4c80-9885-777c0fc095cc	\N	registration	{"created_at": "2025-01-15T10:00:00+00:00", "default_language": "lv", "kind": "foundation", "name": "Tenant", "time_zone": "Europe/Riga"}
2	6f8bfec5-e38a-473b-b7dc-b2cb8a03c0ee	old-release	tenant	old-release	2	TenantKeyRotated	1	2026-12-01 17:18:09.667848+00	coordinator	k	60550d08-4617-4c80-9885-777c0fc095cc	\N	registration	{"key_hash": "2d90664d98697ffaee40df63acb9a34e61561f91a33a6f60076f43b5bc2c6f22", "key_id": "90f4f4fa98669cac", "revoked_key_ids": [], "rotated_at": "2025-01-15T10:00:00+00:00"}
3	47fc7c92-a410-495a-a9bf-38143cd36cd4	old-release	programme	84423881-7047-48dc-a2f9-66de2c09f28c	1	ProgrammeCreated	1	2026-12-01 17:18:09.671906+00	coordinator	k	897930d8-684d-40d6-b367-37c191db44eb	\N	registration	{"created_at": "2025-01-15T10:00:00+00:00", "settings": {"content": {"areas": [{"id": "education", "labels": {"en": "Education", "lv": "Izgl\\u012bt\\u012bba"}}, {"id": "adolescence", "labels": {"en": "Understanding adolescence", "lv": "Pusaud\\u017eu att\\u012bst\\u012bba"}}, {"id": "relations", "labels": {"en": "Family and school relations", "lv": "Attiec\\u012bbas \\u0123imen\\u0113 un skol\\u0101"}}, {"id": "free_time", "labels": {"en": "Free time", "lv": "Br\\u012bvais laiks"}}, {"id": "peers", "labels": {"en": "Peers", "lv": "Vienaud\\u017ei"}}, {"id": "harmful_relations", "labels": {"en": "Leaving harmful relationships and addictions", "lv": "Atkar\\u012bbas"}, "sensitive": true}, {"id": "finance", "labels": {"en": "Financial literacy", "lv": "Finan\\u0161u prat\\u012bba"}}, {"id": "goals", "labels": {"en": "Goal setting", "lv": "M\\u0113r\\u0137u nosprau\\u0161ana"}}, {"id": "health", "labels": {"en": "Mental and physical health", "lv": "Vesel\\u012bba"}}, {"id": "self_care", "labels": {"en": "Self-care", "lv": "R\\u016bpes par sevi"}}, {"id": "other", "labels": {"en": "Other", "lv": "Cits"}}], "cadence": {"max_per_month": null, "meeting_minutes": 60, "min_per_month": 2, "remote_counts": false}, "languages": ["lv", "ru", "en"], "remote_allowed": false}, "dates": {"closing_event": null, "duration_months": {"max": 12, "min": 6}, "matching_opens": null, "matching_round": null, "meetings_end": "2026-02-28", "meetings_start": "2025-03-01", "mentee_registration_closes": "2025-02-15", "mentee_registration_opens": "2025-01-01", "mentor_registration_closes": "2025-02-15", "mentor_registration_opens": "2025-01-01", "rolling_registration": true}, "description": null, "matching": {"answer_days": 7, "mode": "automatic", "participant_kind": "individual", "same_place_required": false, "shortlist_size": 3, "weights": {"areas": 4, "language": 3, "place": 2, "preferences": 3}}, "name": "Jaunie\\u0161u mentorings 2025", "people": {"mentee_max_age": 25, "mentee_min_age": 13, "mentor_capacity": {"default": 1, "max": 3, "min": 1}, "mentor_communities": [], "mentor_max_age": null, "mentor_min_age": 20, "team_leaders_min": 1, "team_size": null}, "rules": {"consent": {"age_of_majority": 18, "rule": "guardian_for_minors", "school_year_starts": {"day": 1, "month": 9}}, "training": {"rule": "not_required", "seminar_date": null, "seminar_minutes": null}, "vetting_required": false}}, "time_zone": "Europe/Riga"}
4	2d428dfd-ee49-4841-a4ba-362b340bd280	old-release	person	6e6ebb7c-17b7-44db-844a-4afac6dee6eb	1	PersonRegistered	1	2026-12-01 17:18:09.674785+00	coordinator	k	e0195356-d89e-456f-a83d-5f81c811e16e	\N	registration	{"kind": "individual", "personal": {"date_of_birth": "1985-04-01", "email": "ona@example.lt", "guardian": null, "name": "Ona Petraitien\\u0117", "phone": "+370 650 00000"}, "registered_at": "2025-01-15T10:00:00+00:00"}
5	c8e13326-cf7f-4d8d-8090-28e65aff694f	old-release	person	6e6ebb7c-17b7-44db-844a-4afac6dee6eb	2	MentorRegistered	1	2026-12-01 17:18:09.674785+00	coordinator	k	e0195356-d89e-456f-a83d-5f81c811e16e	\N	registration	{"age_at_start": 39, "profile": {"areas": ["education"], "capacity": 1, "community": [], "excluded_mentors": [], "hours_per_week": null, "languages": ["lv"], "never_pair_with": [], "place": "Riga", "preferred_mentors": [], "remote": false}, "programme_id": "84423881-7047-48dc-a2f9-66de2c09f28c", "registered_at": "2025-01-15T10:00:00+00:00"}
6	b0e1f3ce-b2f4-40f2-bbc0-6ff882a53d39	old-release	person	29729056-dac5-4a10-a31a-cc891c859659	1	PersonRegistered	1	2026-12-01 17:18:09.676662+00	coordinator	k	188d2eab-9003-47af-a0ae-0602a41c4575	\N	registration	{"kind": "individual", "personal": {"date_of_birth": "1985-04-01", "email": "ona@example.lt", "guardian": null, "name": "Ona Petraitien\\u0117", "phone": "+370 650 00000"}, "registered_at": "2025-01-15T10:00:00+00:00"}
7	fd64631a-6a78-4cd4-b8ea-a1725318440b	old-release	person	29729056-dac5-4a10-a31a-cc891c859659	2	MentorRegistered	1	2026-12-01 17:18:09.676662+00	coordinator	k	188d2eab-9003-47af-a0ae-0602a41c4575	\N	registration	{"age_at_start": 39, "profile": {"areas": ["education"], "capacity": 1, "community": [], "excluded_mentors": [], "hours_per_week": null, "languages": ["lv"], "never_pair_with": [], "place": "Riga", "preferred_mentors": [], "remote": false}, "programme_id": "84423881-7047-48dc-a2f9-66de2c09f28c", "registered_at": "2025-01-15T10:00:00+00:00"}
8	e191d885-4027-4ad3-b7ba-8ae486d2faf7	old-release	person	28b5ce3d-f2fc-40d3-b83c-eb8a2a3ef5d6	1	PersonRegistered	1	2026-12-01 17:18:09.678381+00	coordinator	k	ac55a026-1f8a-4a20-993e-eebd6bfef014	\N	registration	{"kind": "individual", "personal": {"date_of_birth": "1985-04-01", "email": "ona@example.lt", "guardian": null, "name": "Ona Petraitien\\u0117", "phone": "+370 650 00000"}, "registered_at": "2025-01-15T10:00:00+00:00"}
9	589fb11d-dca6-4158-84bc-0a024ed56b18	old-release	person	28b5ce3d-f2fc-40d3-b83c-eb8a2a3ef5d6	2	MentorRegistered	1	2026-12-01 17:18:09.678381+00	coordinator	k	ac55a026-1f8a-4a20-993e-eebd6bfef014	\N	registration	{"age_at_start": 39, "profile": {"areas": ["education"], "capacity": 1, "community": [], "excluded_mentors": [], "hours_per_week": null, "languages": ["lv"], "never_pair_with": [], "place": "Riga", "preferred_mentors": [], "remote": false}, "programme_id": "84423881-7047-48dc-a2f9-66de2c09f28c", "registered_at": "2025-01-15T10:00:00+00:00"}
10	85850995-3f44-4a27-b3ae-7be5ca1de56f	old-release	person	359db67c-8693-4e11-ad1f-77da8ad4d0d5	1	PersonRegistered	1	2026-12-01 17:18:09.680148+00	coordinator	k	f7f92b54-eb27-4c65-a410-4a75feb9ef37	\N	registration	{"kind": "individual", "personal": {"date_of_birth": "2008-09-10", "email": "jonas@example.lt", "guardian": {"email": "rasa@example.lt", "name": "Rasa Jonaitien\\u0117", "phone": null}, "name": "Jonas Jonaitis", "phone": null}, "registered_at": "2025-01-15T10:00:00+00:00"}
11	46feec22-bbdd-495b-bc32-2a1fc81075d1	old-release	person	359db67c-8693-4e11-ad1f-77da8ad4d0d5	2	MenteeRegistered	1	2026-12-01 17:18:09.680148+00	coordinator	k	f7f92b54-eb27-4c65-a410-4a75feb9ef37	\N	registration	{"age_at_start": 16, "consent_required": true, "profile": {"areas": ["education"], "community": [], "excluded_mentors": [], "hours_per_week": null, "languages": ["lv"], "never_pair_with": [], "place": "Riga", "preferred_mentors": [], "remote": false}, "programme_id": "84423881-7047-48dc-a2f9-66de2c09f28c", "registered_at": "2025-01-15T10:00:00+00:00"}
12	fd0e7c1a-bdf4-4142-ac4e-b5602fca8fa0	old-release	person	359db67c-8693-4e11-ad1f-77da8ad4d0d5	3	ConsentGiven	1	2026-12-01 17:18:09.681825+00	coordinator	k	1eba680d-d25b-42d7-af32-fe7b8847ff28	\N	registration	{"given_at": "2025-01-15T10:00:00+00:00", "given_by": "guardian", "programme_id": "84423881-7047-48dc-a2f9-66de2c09f28c", "valid_from": "2024-09-01", "valid_until": "2025-08-31"}
13	a8d4417d-2351-4990-bd3d-d1327acb67b0	old-release	person	f1240f99-ade4-4725-b3e4-98286f0533d0	1	PersonRegistered	1	2026-12-01 17:18:09.683514+00	coordinator	k	cab763e7-daa0-4a73-bda6-01c9f321f17b	\N	registration	{"kind": "individual", "personal": {"date_of_birth": "2008-09-10", "email": "jonas@example.lt", "guardian": {"email": "rasa@example.lt", "name": "Rasa Jonaitien\\u0117", "phone": null}, "name": "Jonas Jonaitis", "phone": null}, "registered_at": "2025-01-15T10:00:00+00:00"}
14	e6dc1486-5609-407d-bb5b-90651e1f2648	old-release	person	f1240f99-ade4-4725-b3e4-98286f0533d0	2	MenteeRegistered	1	2026-12-01 17:18:09.683514+00	coordinator	k	cab763e7-daa0-4a73-bda6-01c9f321f17b	\N	registration	{"age_at_start": 16, "consent_required": true, "profile": {"areas": ["education"], "community": [], "excluded_mentors": [], "hours_per_week": null, "languages": ["lv"], "never_pair_with": [], "place": "Riga", "preferred_mentors": [], "remote": false}, "programme_id": "84423881-7047-48dc-a2f9-66de2c09f28c", "registered_at": "2025-01-15T10:00:00+00:00"}
15	632e0cf0-2599-42b3-b363-d37326b76181	old-release	person	f1240f99-ade4-4725-b3e4-98286f0533d0	3	ConsentGiven	1	2026-12-01 17:18:09.686299+00	coordinator	k	4b354c61-495d-43fd-a344-7a832ca905d7	\N	registration	{"given_at": "2025-01-15T10:00:00+00:00", "given_by": "guardian", "programme_id": "84423881-7047-48dc-a2f9-66de2c09f28c", "valid_from": "2024-09-01", "valid_until": "2025-08-31"}
16	af058d20-bf1f-494b-b78c-8a36c486431f	old-release	person	7c24b6b9-1c0a-4c18-af00-62d5ac919645	1	PersonRegistered	1	2026-12-01 17:18:09.687746+00	coordinator	k	be2d1d7c-7151-4bd2-b1e3-39748d04eca6	\N	registration	{"kind": "individual", "personal": {"date_of_birth": "2008-09-10", "email": "jonas@example.lt", "guardian": {"email": "rasa@example.lt", "name": "Rasa Jonaitien\\u0117", "phone": null}, "name": "Jonas Jonaitis", "phone": null}, "registered_at": "2025-01-15T10:00:00+00:00"}
17	a792be50-2305-4745-a4e3-54338ee0229e	old-release	person	7c24b6b9-1c0a-4c18-af00-62d5ac919645	2	MenteeRegistered	1	2026-12-01 17:18:09.687746+00	coordinator	k	be2d1d7c-7151-4bd2-b1e3-39748d04eca6	\N	registration	{"age_at_start": 16, "consent_required": true, "profile": {"areas": ["education"], "community": [], "excluded_mentors": [], "hours_per_week": null, "languages": ["lv"], "never_pair_with": [], "place": "Riga", "preferred_mentors": [], "remote": false}, "programme_id": "84423881-7047-48dc-a2f9-66de2c09f28c", "registered_at": "2025-01-15T10:00:00+00:00"}
18	61f243db-92dc-40a5-ad9c-b83ee3e1468e	old-release	person	7c24b6b9-1c0a-4c18-af00-62d5ac919645	3	ConsentGiven	1	2026-12-01 17:18:09.689254+00	coordinator	k	c925bd4c-92fe-41ae-a117-8f0bec220b34	\N	registration	{"given_at": "2025-01-15T10:00:00+00:00", "given_by": "guardian", "programme_id": "84423881-7047-48dc-a2f9-66de2c09f28c", "valid_from": "2024-09-01", "valid_until": "2025-08-31"}
19	1ef46f74-9e07-4b14-8fa4-84559d1a397f	old-release	person	bcce36c9-b386-42cd-a172-2d99ab891a8d	1	PersonRegistered	1	2026-12-01 17:18:09.690936+00	coordinator	k	52ddf75f-cb1f-47aa-88db-f773d15d51d0	\N	registration	{"kind": "individual", "personal": {"date_of_birth": "2008-09-10", "email": "jonas@example.lt", "guardian": {"email": "rasa@example.lt", "name": "Rasa Jonaitien\\u0117", "phone": null}, "name": "Jonas Jonaitis", "phone": null}, "registered_at": "2025-01-15T10:00:00+00:00"}
20	3dcbd4bc-d552-4ab7-8fd0-81dc4e92d3de	old-release	person	bcce36c9-b386-42cd-a172-2d99ab891a8d	2	MenteeRegistered	1	2026-12-01 17:18:09.690936+00	coordinator	k	52ddf75f-cb1f-47aa-88db-f773d15d51d0	\N	registration	{"age_at_start": 16, "consent_required": true, "profile": {"areas": ["education"], "community": [], "excluded_mentors": [], "hours_per_week": null, "languages": ["lv"], "never_pair_with": [], "place": "Riga", "preferred_mentors": [], "remote": false}, "programme_id": "84423881-7047-48dc-a2f9-66de2c09f28c", "registered_at": "2025-01-15T10:00:00+00:00"}
21	0ba21eb1-7b55-44b1-b102-a8c039317f73	old-release	person	bcce36c9-b386-42cd-a172-2d99ab891a8d	3	ConsentGiven	1	2026-12-01 17:18:09.692443+00	coordinator	k	d8de4d17-8de9-4634-8c4b-df3f122abd8e	\N	registration	{"given_at": "2025-01-15T10:00:00+00:00", "given_by": "guardian", "programme_id": "84423881-7047-48dc-a2f9-66de2c09f28c", "valid_from": "2024-09-01", "valid_until": "2025-08-31"}
22	745e0c29-de85-4acb-9fb4-a6f8a03aaab3	old-release	person	fa936321-8598-4737-959d-ca9a77a1379b	1	PersonRegistered	1	2026-12-01 17:18:09.693932+00	coordinator	k	9cf0da7d-6ec9-48cc-bd8e-0be3c8b3a9f4	\N	registration	{"kind": "individual", "personal": {"date_of_birth": "2008-09-10", "email": "jonas@example.lt", "guardian": {"email": "rasa@example.lt", "name": "Rasa Jonaitien\\u0117", "phone": null}, "name": "Jonas Jonaitis", "phone": null}, "registered_at": "2025-01-15T10:00:00+00:00"}
23	f00e7ba7-6177-429a-a68c-69fda625a1a1	old-release	person	fa936321-8598-4737-959d-ca9a77a1379b	2	MenteeRegistered	1	2026-12-01 17:18:09.693932+00	coordinator	k	9cf0da7d-6ec9-48cc-bd8e-0be3c8b3a9f4	\N	registration	{"age_at_start": 16, "consent_required": true, "profile": {"areas": ["education"], "community": [], "excluded_mentors": [], "hours_per_week": null, "languages": ["lv"], "never_pair_with": [], "place": "Riga", "preferred_mentors": [], "remote": false}, "programme_id": "84423881-7047-48dc-a2f9-66de2c09f28c", "registered_at": "2025-01-15T10:00:00+00:00"}
24	e384dfbb-039a-437e-b8e6-3c69ab4f27e2	old-release	person	fa936321-8598-4737-959d-ca9a77a1379b	3	ConsentGiven	1	2026-12-01 17:18:09.695614+00	coordinator	k	1e4ca0fd-dc6c-4226-a89d-b346a2097bb3	\N	registration	{"given_at": "2025-01-15T10:00:00+00:00", "given_by": "guardian", "programme_id": "84423881-7047-48dc-a2f9-66de2c09f28c", "valid_from": "2024-09-01", "valid_until": "2025-08-31"}
\.


--
-- Data for Name: inbox; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.inbox (consumer, event_id, tenant_id, handled_at) FROM stdin;
\.


--
-- Data for Name: leases; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.leases (name, holder, expires_at) FROM stdin;
\.


--
-- Data for Name: outbox; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.outbox (global_position, tenant_id, exchange, enqueued_at) FROM stdin;
1	old-release	mentoring.events	2026-12-01 17:18:09.669722+00
2	old-release	mentoring.internal	2026-12-01 17:18:09.669722+00
3	old-release	mentoring.events	2026-12-01 17:18:09.673016+00
4	old-release	mentoring.events	2026-12-01 17:18:09.675352+00
5	old-release	mentoring.events	2026-12-01 17:18:09.675352+00
6	old-release	mentoring.events	2026-12-01 17:18:09.677142+00
7	old-release	mentoring.events	2026-12-01 17:18:09.677142+00
8	old-release	mentoring.events	2026-12-01 17:18:09.678862+00
9	old-release	mentoring.events	2026-12-01 17:18:09.678862+00
10	old-release	mentoring.events	2026-12-01 17:18:09.680617+00
11	old-release	mentoring.events	2026-12-01 17:18:09.680617+00
12	old-release	mentoring.events	2026-12-01 17:18:09.682302+00
13	old-release	mentoring.events	2026-12-01 17:18:09.685123+00
14	old-release	mentoring.events	2026-12-01 17:18:09.685123+00
15	old-release	mentoring.events	2026-12-01 17:18:09.686679+00
16	old-release	mentoring.events	2026-12-01 17:18:09.688198+00
17	old-release	mentoring.events	2026-12-01 17:18:09.688198+00
18	old-release	mentoring.events	2026-12-01 17:18:09.689656+00
19	old-release	mentoring.events	2026-12-01 17:18:09.691391+00
20	old-release	mentoring.events	2026-12-01 17:18:09.691391+00
21	old-release	mentoring.events	2026-12-01 17:18:09.692843+00
22	old-release	mentoring.events	2026-12-01 17:18:09.694377+00
23	old-release	mentoring.events	2026-12-01 17:18:09.694377+00
24	old-release	mentoring.events	2026-12-01 17:18:09.696007+00
\.


--
-- Data for Name: scheduled_jobs; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.scheduled_jobs (job_id, tenant_id, kind, job_key, due_at, payload, claimed_by, claimed_until, attempts, last_error, done_at) FROM stdin;
\.


--
-- Data for Name: stream_cursors; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.stream_cursors (consumer, tenant_id, stream_type, stream_id, "position") FROM stdin;
\.


--
-- Name: events_global_position_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.events_global_position_seq', 24, true);


--
-- Name: catchup_positions catchup_positions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catchup_positions
    ADD CONSTRAINT catchup_positions_pkey PRIMARY KEY (consumer, source);


--
-- Name: events events_event_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_event_id_key UNIQUE (event_id);


--
-- Name: events events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_pkey PRIMARY KEY (global_position);


--
-- Name: inbox inbox_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.inbox
    ADD CONSTRAINT inbox_pkey PRIMARY KEY (consumer, event_id);


--
-- Name: leases leases_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.leases
    ADD CONSTRAINT leases_pkey PRIMARY KEY (name);


--
-- Name: outbox outbox_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT outbox_pkey PRIMARY KEY (global_position);


--
-- Name: scheduled_jobs scheduled_jobs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.scheduled_jobs
    ADD CONSTRAINT scheduled_jobs_pkey PRIMARY KEY (job_id);


--
-- Name: stream_cursors stream_cursors_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.stream_cursors
    ADD CONSTRAINT stream_cursors_pkey PRIMARY KEY (consumer, tenant_id, stream_type, stream_id);


--
-- Name: events uq_events_stream_position; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT uq_events_stream_position UNIQUE (stream_type, stream_id, stream_position);


--
-- Name: scheduled_jobs uq_scheduled_jobs_kind_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.scheduled_jobs
    ADD CONSTRAINT uq_scheduled_jobs_kind_key UNIQUE (kind, job_key);


--
-- Name: ix_events_tenant_position; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_events_tenant_position ON public.events USING btree (tenant_id, global_position);


--
-- Name: ix_scheduled_jobs_due; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_scheduled_jobs_due ON public.scheduled_jobs USING btree (done_at, due_at);


--
-- Name: events; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.events ENABLE ROW LEVEL SECURITY;

--
-- Name: inbox; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.inbox ENABLE ROW LEVEL SECURITY;

--
-- Name: outbox; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.outbox ENABLE ROW LEVEL SECURITY;

--
-- Name: scheduled_jobs; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.scheduled_jobs ENABLE ROW LEVEL SECURITY;

--
-- Name: stream_cursors; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.stream_cursors ENABLE ROW LEVEL SECURITY;

--
-- Name: events tenant_wall; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tenant_wall ON public.events TO mentoring_app USING (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true)))) WITH CHECK (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true))));


--
-- Name: inbox tenant_wall; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tenant_wall ON public.inbox TO mentoring_app USING (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true)))) WITH CHECK (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true))));


--
-- Name: outbox tenant_wall; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tenant_wall ON public.outbox TO mentoring_app USING (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true)))) WITH CHECK (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true))));


--
-- Name: scheduled_jobs tenant_wall; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tenant_wall ON public.scheduled_jobs TO mentoring_app USING (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true)))) WITH CHECK (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true))));


--
-- Name: stream_cursors tenant_wall; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tenant_wall ON public.stream_cursors TO mentoring_app USING (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true)))) WITH CHECK (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true))));


--
-- PostgreSQL database dump complete
--



-- database: matching
--
-- PostgreSQL database dump
--


-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: catchup_positions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.catchup_positions (
    consumer character varying(120) NOT NULL,
    source character varying(40) NOT NULL,
    "position" bigint NOT NULL
);


--
-- Name: credentials; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.credentials (
    tenant_id character varying(64) NOT NULL,
    key_id character varying(64) NOT NULL,
    key_hash character varying(64) NOT NULL,
    active boolean NOT NULL,
    rotated_at timestamp with time zone NOT NULL
);

ALTER TABLE ONLY public.credentials FORCE ROW LEVEL SECURITY;


--
-- Name: events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.events (
    global_position bigint NOT NULL,
    event_id character varying(36) NOT NULL,
    tenant_id character varying(64) NOT NULL,
    stream_type character varying(40) NOT NULL,
    stream_id character varying(64) NOT NULL,
    stream_position integer NOT NULL,
    event_type character varying(80) NOT NULL,
    schema_version integer NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    actor_kind character varying(20) NOT NULL,
    actor_id character varying(64),
    correlation_id character varying(64) NOT NULL,
    causation_id character varying(64),
    source character varying(40) NOT NULL,
    payload text NOT NULL
);

ALTER TABLE ONLY public.events FORCE ROW LEVEL SECURITY;


--
-- Name: events_global_position_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.events_global_position_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: events_global_position_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.events_global_position_seq OWNED BY public.events.global_position;


--
-- Name: inbox; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.inbox (
    consumer character varying(120) NOT NULL,
    event_id character varying(36) NOT NULL,
    tenant_id character varying(64) NOT NULL,
    handled_at timestamp with time zone NOT NULL
);

ALTER TABLE ONLY public.inbox FORCE ROW LEVEL SECURITY;


--
-- Name: leases; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.leases (
    name character varying(120) NOT NULL,
    holder character varying(120) NOT NULL,
    expires_at timestamp with time zone NOT NULL
);


--
-- Name: match_changes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.match_changes (
    programme_id character varying(64) NOT NULL,
    revision integer NOT NULL,
    person_id character varying(64) NOT NULL,
    tenant_id character varying(64) NOT NULL,
    token character varying(32) NOT NULL
);

ALTER TABLE ONLY public.match_changes FORCE ROW LEVEL SECURITY;


--
-- Name: match_choices; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.match_choices (
    programme_id character varying(64) NOT NULL,
    mentee_id character varying(64) NOT NULL,
    tenant_id character varying(64) NOT NULL,
    choice_id character varying(64) NOT NULL,
    mentor_ids json NOT NULL,
    chosen_at character varying(40) NOT NULL
);

ALTER TABLE ONLY public.match_choices FORCE ROW LEVEL SECURITY;


--
-- Name: match_consents; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.match_consents (
    person_id character varying(64) NOT NULL,
    valid_from character varying(10) NOT NULL,
    tenant_id character varying(64) NOT NULL,
    valid_until character varying(10) NOT NULL,
    withdrawn_on character varying(10)
);

ALTER TABLE ONLY public.match_consents FORCE ROW LEVEL SECURITY;


--
-- Name: match_pairings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.match_pairings (
    pairing_id character varying(64) NOT NULL,
    tenant_id character varying(64) NOT NULL,
    programme_id character varying(64) NOT NULL,
    mentor_id character varying(64) NOT NULL,
    mentee_id character varying(64) NOT NULL,
    status character varying(12) NOT NULL,
    mode character varying(40),
    origin character varying(20),
    score integer NOT NULL,
    parts json NOT NULL,
    percent integer NOT NULL,
    created_at character varying(40) NOT NULL,
    confirmed_at character varying(40),
    confirmed_by character varying(20),
    closed_at character varying(40),
    close_reason character varying(40),
    closed_by character varying(20),
    version integer NOT NULL
);

ALTER TABLE ONLY public.match_pairings FORCE ROW LEVEL SECURITY;


--
-- Name: match_participants; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.match_participants (
    person_id character varying(64) NOT NULL,
    programme_id character varying(64) NOT NULL,
    tenant_id character varying(64) NOT NULL,
    role character varying(10) NOT NULL,
    age integer,
    profile json NOT NULL,
    consent_required boolean NOT NULL,
    training boolean NOT NULL,
    team_need json,
    withdrawn boolean NOT NULL,
    registered_at character varying(40) NOT NULL
);

ALTER TABLE ONLY public.match_participants FORCE ROW LEVEL SECURITY;


--
-- Name: match_people; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.match_people (
    person_id character varying(64) NOT NULL,
    tenant_id character varying(64) NOT NULL,
    vetting_cleared boolean,
    erased boolean NOT NULL
);

ALTER TABLE ONLY public.match_people FORCE ROW LEVEL SECURITY;


--
-- Name: match_programmes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.match_programmes (
    programme_id character varying(64) NOT NULL,
    tenant_id character varying(64) NOT NULL,
    time_zone character varying(64) NOT NULL,
    settings json NOT NULL,
    mode character varying(40) NOT NULL,
    updated_at character varying(40) NOT NULL
);

ALTER TABLE ONLY public.match_programmes FORCE ROW LEVEL SECURITY;


--
-- Name: match_requests; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.match_requests (
    request_id character varying(64) NOT NULL,
    tenant_id character varying(64) NOT NULL,
    programme_id character varying(64) NOT NULL,
    mentor_id character varying(64) NOT NULL,
    mentee_id character varying(64) NOT NULL,
    choice_id character varying(64) NOT NULL,
    rank integer NOT NULL,
    score integer NOT NULL,
    parts json NOT NULL,
    percent integer NOT NULL,
    status character varying(12) NOT NULL,
    requested_at character varying(40) NOT NULL,
    answer_by character varying(40) NOT NULL,
    closed_at character varying(40),
    close_reason character varying(500),
    pairing_id character varying(64),
    version integer NOT NULL
);

ALTER TABLE ONLY public.match_requests FORCE ROW LEVEL SECURITY;


--
-- Name: match_revisions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.match_revisions (
    programme_id character varying(64) NOT NULL,
    tenant_id character varying(64) NOT NULL,
    revision integer NOT NULL,
    token character varying(32) NOT NULL
);

ALTER TABLE ONLY public.match_revisions FORCE ROW LEVEL SECURITY;


--
-- Name: match_rounds; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.match_rounds (
    round_id character varying(64) NOT NULL,
    tenant_id character varying(64) NOT NULL,
    programme_id character varying(64) NOT NULL,
    paired integer NOT NULL,
    waiting integer NOT NULL,
    total_score integer NOT NULL,
    solver_seconds double precision NOT NULL,
    superseded integer NOT NULL,
    completed_at character varying(40) NOT NULL
);

ALTER TABLE ONLY public.match_rounds FORCE ROW LEVEL SECURITY;


--
-- Name: match_shortlists; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.match_shortlists (
    programme_id character varying(64) NOT NULL,
    mentee_id character varying(64) NOT NULL,
    tenant_id character varying(64) NOT NULL,
    mentors json NOT NULL,
    offered_at character varying(40) NOT NULL
);

ALTER TABLE ONLY public.match_shortlists FORCE ROW LEVEL SECURITY;


--
-- Name: match_waiting; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.match_waiting (
    programme_id character varying(64) NOT NULL,
    mentee_id character varying(64) NOT NULL,
    tenant_id character varying(64) NOT NULL,
    reason character varying(60) NOT NULL,
    since character varying(40) NOT NULL,
    updated_at character varying(40) NOT NULL
);

ALTER TABLE ONLY public.match_waiting FORCE ROW LEVEL SECURITY;


--
-- Name: outbox; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.outbox (
    global_position bigint NOT NULL,
    tenant_id character varying(64) NOT NULL,
    exchange character varying(64) NOT NULL,
    enqueued_at timestamp with time zone NOT NULL
);

ALTER TABLE ONLY public.outbox FORCE ROW LEVEL SECURITY;


--
-- Name: participant_programmes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.participant_programmes (
    tenant_id character varying(64) NOT NULL,
    person_id character varying(64) NOT NULL,
    programme_id character varying(64) NOT NULL
);

ALTER TABLE ONLY public.participant_programmes FORCE ROW LEVEL SECURITY;


--
-- Name: revoked_participants; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.revoked_participants (
    tenant_id character varying(64) NOT NULL,
    person_id character varying(64) NOT NULL,
    reason character varying(20) NOT NULL,
    revoked_at timestamp with time zone NOT NULL
);

ALTER TABLE ONLY public.revoked_participants FORCE ROW LEVEL SECURITY;


--
-- Name: scheduled_jobs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.scheduled_jobs (
    job_id character varying(36) NOT NULL,
    tenant_id character varying(64) NOT NULL,
    kind character varying(80) NOT NULL,
    job_key character varying(200) NOT NULL,
    due_at timestamp with time zone NOT NULL,
    payload text NOT NULL,
    claimed_by character varying(120),
    claimed_until timestamp with time zone,
    attempts integer NOT NULL,
    last_error text,
    done_at timestamp with time zone
);

ALTER TABLE ONLY public.scheduled_jobs FORCE ROW LEVEL SECURITY;


--
-- Name: stream_cursors; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.stream_cursors (
    consumer character varying(120) NOT NULL,
    tenant_id character varying(64) NOT NULL,
    stream_type character varying(40) NOT NULL,
    stream_id character varying(64) NOT NULL,
    "position" integer NOT NULL
);

ALTER TABLE ONLY public.stream_cursors FORCE ROW LEVEL SECURITY;


--
-- Name: events global_position; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events ALTER COLUMN global_position SET DEFAULT nextval('public.events_global_position_seq'::regclass);


--
-- Data for Name: catchup_positions; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.catchup_positions (consumer, source, "position") FROM stdin;
\.


--
-- Data for Name: credentials; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.credentials (tenant_id, key_id, key_hash, active, rotated_at) FROM stdin;
\.


--
-- Data for Name: events; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.events (global_position, event_id, tenant_id, stream_type, stream_id, stream_position, event_type, schema_version, occurred_at, actor_kind, actor_id, correlation_id, causation_id, source, payload) FROM stdin;
1	d9ff0c56-8331-4ae3-9ad6-e4694ab71ea2	old-release	pairing	0efb8f4f-77f9-4a31-b842-854652ebacef	1	PairingConfirmed	1	2025-02-10 09:00:00+00	system	\N	f49136b8-7429-4b5b-a8fc-b292a2c5b851	\N	matching	{"confirmed_at": "2025-02-10T09:00:00+00:00", "confirmed_by": "automatic", "mentee_id": "359db67c-8693-4e11-ad1f-77da8ad4d0d5", "mentor_id": "28b5ce3d-f2fc-40d3-b83c-eb8a2a3ef5d6", "mode": "automatic", "origin": "placement", "parts": {"areas": 12, "languages": 0, "place": 6, "preferred": 0}, "percent": 100, "programme_id": "84423881-7047-48dc-a2f9-66de2c09f28c", "score": 18}
2	4e5425a8-4fbd-4012-b49a-d22158af8f6f	old-release	matchmentor	28b5ce3d-f2fc-40d3-b83c-eb8a2a3ef5d6	1	MentorSlotTaken	1	2025-02-10 09:00:00+00	system	\N	f49136b8-7429-4b5b-a8fc-b292a2c5b851	\N	matching	{"mentee_id": "359db67c-8693-4e11-ad1f-77da8ad4d0d5", "pairing_id": "0efb8f4f-77f9-4a31-b842-854652ebacef", "programme_id": "84423881-7047-48dc-a2f9-66de2c09f28c"}
3	49d4f703-9299-4d42-bbe2-b53b8bfb62e5	old-release	matchmentee	359db67c-8693-4e11-ad1f-77da8ad4d0d5	1	MenteePlaced	1	2025-02-10 09:00:00+00	system	\N	f49136b8-7429-4b5b-a8fc-b292a2c5b851	\N	matching	{"mentor_id": "28b5ce3d-f2fc-40d3-b83c-eb8a2a3ef5d6", "pairing_id": "0efb8f4f-77f9-4a31-b842-854652ebacef", "programme_id": "84423881-7047-48dc-a2f9-66de2c09f28c"}
4	b2e36698-c96b-4588-8430-7ece8d3ae328	old-release	pairing	31735474-d626-4133-bc0c-c1b348a570e8	1	PairingConfirmed	1	2025-02-10 09:00:00+00	system	\N	78cc5127-7eca-4cdf-8912-f4b73033888d	\N	matching	{"confirmed_at": "2025-02-10T09:00:00+00:00", "confirmed_by": "automatic", "mentee_id": "f1240f99-ade4-4725-b3e4-98286f0533d0", "mentor_id": "29729056-dac5-4a10-a31a-cc891c859659", "mode": "automatic", "origin": "placement", "parts": {"areas": 12, "languages": 0, "place": 6, "preferred": 0}, "percent": 100, "programme_id": "84423881-7047-48dc-a2f9-66de2c09f28c", "score": 18}
5	26968b97-c498-4d51-826f-d8f680b1d99e	old-release	matchmentor	29729056-dac5-4a10-a31a-cc891c859659	1	MentorSlotTaken	1	2025-02-10 09:00:00+00	system	\N	78cc5127-7eca-4cdf-8912-f4b73033888d	\N	matching	{"mentee_id": "f1240f99-ade4-4725-b3e4-98286f0533d0", "pairing_id": "31735474-d626-4133-bc0c-c1b348a570e8", "programme_id": "84423881-7047-48dc-a2f9-66de2c09f28c"}
6	b0e75d07-c993-46f7-9a50-ba0528cc6b8e	old-release	matchmentee	f1240f99-ade4-4725-b3e4-98286f0533d0	1	MenteePlaced	1	2025-02-10 09:00:00+00	system	\N	78cc5127-7eca-4cdf-8912-f4b73033888d	\N	matching	{"mentor_id": "29729056-dac5-4a10-a31a-cc891c859659", "pairing_id": "31735474-d626-4133-bc0c-c1b348a570e8", "programme_id": "84423881-7047-48dc-a2f9-66de2c09f28c"}
7	fb75d498-bac2-4802-a889-ba1afc352e7b	old-release	pairing	2642851c-0390-4d19-b410-fd5e7d8d6005	1	PairingConfirmed	1	2025-02-10 09:00:00+00	system	\N	a7b3f9f9-f2e6-43a0-8d74-7fdc9440b2c6	\N	matching	{"confirmed_at": "2025-02-10T09:00:00+00:00", "confirmed_by": "automatic", "mentee_id": "7c24b6b9-1c0a-4c18-af00-62d5ac919645", "mentor_id": "6e6ebb7c-17b7-44db-844a-4afac6dee6eb", "mode": "automatic", "origin": "placement", "parts": {"areas": 12, "languages": 0, "place": 6, "preferred": 0}, "percent": 100, "programme_id": "84423881-7047-48dc-a2f9-66de2c09f28c", "score": 18}
8	6bfb6b85-80ac-4180-825c-255afd7b543f	old-release	matchmentor	6e6ebb7c-17b7-44db-844a-4afac6dee6eb	1	MentorSlotTaken	1	2025-02-10 09:00:00+00	system	\N	a7b3f9f9-f2e6-43a0-8d74-7fdc9440b2c6	\N	matching	{"mentee_id": "7c24b6b9-1c0a-4c18-af00-62d5ac919645", "pairing_id": "2642851c-0390-4d19-b410-fd5e7d8d6005", "programme_id": "84423881-7047-48dc-a2f9-66de2c09f28c"}
9	870ecc93-de29-4baa-bb7b-a1d84845fb55	old-release	matchmentee	7c24b6b9-1c0a-4c18-af00-62d5ac919645	1	MenteePlaced	1	2025-02-10 09:00:00+00	system	\N	a7b3f9f9-f2e6-43a0-8d74-7fdc9440b2c6	\N	matching	{"mentor_id": "6e6ebb7c-17b7-44db-844a-4afac6dee6eb", "pairing_id": "2642851c-0390-4d19-b410-fd5e7d8d6005", "programme_id": "84423881-7047-48dc-a2f9-66de2c09f28c"}
10	d021987b-de91-4283-986d-df703ef6b564	old-release	matchmentee	bcce36c9-b386-42cd-a172-2d99ab891a8d	1	MenteeWaitlisted	1	2025-02-10 09:00:00+00	system	\N	385d94bd-b943-434a-9edc-c22ac4b2db88	\N	matching	{"programme_id": "84423881-7047-48dc-a2f9-66de2c09f28c", "reason": "no_capacity", "waitlisted_at": "2025-02-10T09:00:00+00:00"}
11	1c8dc28f-7b5c-4786-8db3-786a7f8c5d04	old-release	matchmentee	fa936321-8598-4737-959d-ca9a77a1379b	1	MenteeWaitlisted	1	2025-02-10 09:00:00+00	system	\N	57fc906e-cd4a-4513-8955-ca1231372c5a	\N	matching	{"programme_id": "84423881-7047-48dc-a2f9-66de2c09f28c", "reason": "no_capacity", "waitlisted_at": "2025-02-10T09:00:00+00:00"}
\.


--
-- Data for Name: inbox; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.inbox (consumer, event_id, tenant_id, handled_at) FROM stdin;
\.


--
-- Data for Name: leases; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.leases (name, holder, expires_at) FROM stdin;
\.


--
-- Data for Name: match_changes; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.match_changes (programme_id, revision, person_id, tenant_id, token) FROM stdin;
84423881-7047-48dc-a2f9-66de2c09f28c	1	*	old-release	5f9bdc29c10a4b26abe5aed787253332
84423881-7047-48dc-a2f9-66de2c09f28c	2	6e6ebb7c-17b7-44db-844a-4afac6dee6eb	old-release	3fdeaae01caa40eeb975eee99817b094
84423881-7047-48dc-a2f9-66de2c09f28c	3	29729056-dac5-4a10-a31a-cc891c859659	old-release	6a2bd25443a1482fb5afb068e0d8190e
84423881-7047-48dc-a2f9-66de2c09f28c	4	28b5ce3d-f2fc-40d3-b83c-eb8a2a3ef5d6	old-release	143a324f198d42ffab1bf73ed64e2a57
84423881-7047-48dc-a2f9-66de2c09f28c	5	359db67c-8693-4e11-ad1f-77da8ad4d0d5	old-release	7e424a3927ba4e0bade220eaa066701c
84423881-7047-48dc-a2f9-66de2c09f28c	6	359db67c-8693-4e11-ad1f-77da8ad4d0d5	old-release	4dd644ecb7554180a9a65c9d2b8a56ac
84423881-7047-48dc-a2f9-66de2c09f28c	7	f1240f99-ade4-4725-b3e4-98286f0533d0	old-release	ea7034ca1aa147499e922d87a49664cf
84423881-7047-48dc-a2f9-66de2c09f28c	8	f1240f99-ade4-4725-b3e4-98286f0533d0	old-release	182d9b0f84df4ac982791bc11ac074c1
84423881-7047-48dc-a2f9-66de2c09f28c	9	7c24b6b9-1c0a-4c18-af00-62d5ac919645	old-release	3a6fe09c47e3431882ffd2b91e63cbee
84423881-7047-48dc-a2f9-66de2c09f28c	10	7c24b6b9-1c0a-4c18-af00-62d5ac919645	old-release	a317863b95a34379a5e89d4a2ca8654f
84423881-7047-48dc-a2f9-66de2c09f28c	11	bcce36c9-b386-42cd-a172-2d99ab891a8d	old-release	ed2f5dd4501846198bc1a195701f9df2
84423881-7047-48dc-a2f9-66de2c09f28c	12	bcce36c9-b386-42cd-a172-2d99ab891a8d	old-release	d9b4e953c98f46fa82e1cb30aed768a9
84423881-7047-48dc-a2f9-66de2c09f28c	13	fa936321-8598-4737-959d-ca9a77a1379b	old-release	ca3c28b8d2254f3ebdbb10052559601f
84423881-7047-48dc-a2f9-66de2c09f28c	14	fa936321-8598-4737-959d-ca9a77a1379b	old-release	12c65bed046b4255a1f529484e211fd3
84423881-7047-48dc-a2f9-66de2c09f28c	15	28b5ce3d-f2fc-40d3-b83c-eb8a2a3ef5d6	old-release	099ecb0bfc2643adad89683a5193f8fd
84423881-7047-48dc-a2f9-66de2c09f28c	15	359db67c-8693-4e11-ad1f-77da8ad4d0d5	old-release	099ecb0bfc2643adad89683a5193f8fd
84423881-7047-48dc-a2f9-66de2c09f28c	16	29729056-dac5-4a10-a31a-cc891c859659	old-release	71e39f59266f4c81922b901ced6e4712
84423881-7047-48dc-a2f9-66de2c09f28c	16	f1240f99-ade4-4725-b3e4-98286f0533d0	old-release	71e39f59266f4c81922b901ced6e4712
84423881-7047-48dc-a2f9-66de2c09f28c	17	6e6ebb7c-17b7-44db-844a-4afac6dee6eb	old-release	38fc9b5f9b424686be2575dc4f5d7641
84423881-7047-48dc-a2f9-66de2c09f28c	17	7c24b6b9-1c0a-4c18-af00-62d5ac919645	old-release	38fc9b5f9b424686be2575dc4f5d7641
84423881-7047-48dc-a2f9-66de2c09f28c	18	bcce36c9-b386-42cd-a172-2d99ab891a8d	old-release	28007976cc724275aff2f8990c20f099
84423881-7047-48dc-a2f9-66de2c09f28c	19	fa936321-8598-4737-959d-ca9a77a1379b	old-release	4462a269297b425c8841f51875e590bb
\.


--
-- Data for Name: match_choices; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.match_choices (programme_id, mentee_id, tenant_id, choice_id, mentor_ids, chosen_at) FROM stdin;
\.


--
-- Data for Name: match_consents; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.match_consents (person_id, valid_from, tenant_id, valid_until, withdrawn_on) FROM stdin;
359db67c-8693-4e11-ad1f-77da8ad4d0d5	2024-09-01	old-release	2025-08-31	\N
f1240f99-ade4-4725-b3e4-98286f0533d0	2024-09-01	old-release	2025-08-31	\N
7c24b6b9-1c0a-4c18-af00-62d5ac919645	2024-09-01	old-release	2025-08-31	\N
bcce36c9-b386-42cd-a172-2d99ab891a8d	2024-09-01	old-release	2025-08-31	\N
fa936321-8598-4737-959d-ca9a77a1379b	2024-09-01	old-release	2025-08-31	\N
\.


--
-- Data for Name: match_pairings; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.match_pairings (pairing_id, tenant_id, programme_id, mentor_id, mentee_id, status, mode, origin, score, parts, percent, created_at, confirmed_at, confirmed_by, closed_at, close_reason, closed_by, version) FROM stdin;
0efb8f4f-77f9-4a31-b842-854652ebacef	old-release	84423881-7047-48dc-a2f9-66de2c09f28c	28b5ce3d-f2fc-40d3-b83c-eb8a2a3ef5d6	359db67c-8693-4e11-ad1f-77da8ad4d0d5	confirmed	automatic	placement	18	{"areas": 12, "place": 6, "preferred": 0, "languages": 0}	100	2025-02-10T09:00:00+00:00	2025-02-10T09:00:00+00:00	automatic	\N	\N	\N	1
31735474-d626-4133-bc0c-c1b348a570e8	old-release	84423881-7047-48dc-a2f9-66de2c09f28c	29729056-dac5-4a10-a31a-cc891c859659	f1240f99-ade4-4725-b3e4-98286f0533d0	confirmed	automatic	placement	18	{"areas": 12, "place": 6, "preferred": 0, "languages": 0}	100	2025-02-10T09:00:00+00:00	2025-02-10T09:00:00+00:00	automatic	\N	\N	\N	1
2642851c-0390-4d19-b410-fd5e7d8d6005	old-release	84423881-7047-48dc-a2f9-66de2c09f28c	6e6ebb7c-17b7-44db-844a-4afac6dee6eb	7c24b6b9-1c0a-4c18-af00-62d5ac919645	confirmed	automatic	placement	18	{"areas": 12, "place": 6, "preferred": 0, "languages": 0}	100	2025-02-10T09:00:00+00:00	2025-02-10T09:00:00+00:00	automatic	\N	\N	\N	1
\.


--
-- Data for Name: match_participants; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.match_participants (person_id, programme_id, tenant_id, role, age, profile, consent_required, training, team_need, withdrawn, registered_at) FROM stdin;
6e6ebb7c-17b7-44db-844a-4afac6dee6eb	84423881-7047-48dc-a2f9-66de2c09f28c	old-release	mentor	39	{"languages": ["lv"], "areas": ["education"], "place": "Riga", "remote": false, "hours_per_week": null, "community": [], "preferred_mentors": [], "excluded_mentors": [], "never_pair_with": [], "capacity": 1}	f	f	null	f	2025-01-15T10:00:00+00:00
29729056-dac5-4a10-a31a-cc891c859659	84423881-7047-48dc-a2f9-66de2c09f28c	old-release	mentor	39	{"languages": ["lv"], "areas": ["education"], "place": "Riga", "remote": false, "hours_per_week": null, "community": [], "preferred_mentors": [], "excluded_mentors": [], "never_pair_with": [], "capacity": 1}	f	f	null	f	2025-01-15T10:00:00+00:00
28b5ce3d-f2fc-40d3-b83c-eb8a2a3ef5d6	84423881-7047-48dc-a2f9-66de2c09f28c	old-release	mentor	39	{"languages": ["lv"], "areas": ["education"], "place": "Riga", "remote": false, "hours_per_week": null, "community": [], "preferred_mentors": [], "excluded_mentors": [], "never_pair_with": [], "capacity": 1}	f	f	null	f	2025-01-15T10:00:00+00:00
359db67c-8693-4e11-ad1f-77da8ad4d0d5	84423881-7047-48dc-a2f9-66de2c09f28c	old-release	mentee	16	{"languages": ["lv"], "areas": ["education"], "place": "Riga", "remote": false, "hours_per_week": null, "community": [], "preferred_mentors": [], "excluded_mentors": [], "never_pair_with": []}	t	f	null	f	2025-01-15T10:00:00+00:00
f1240f99-ade4-4725-b3e4-98286f0533d0	84423881-7047-48dc-a2f9-66de2c09f28c	old-release	mentee	16	{"languages": ["lv"], "areas": ["education"], "place": "Riga", "remote": false, "hours_per_week": null, "community": [], "preferred_mentors": [], "excluded_mentors": [], "never_pair_with": []}	t	f	null	f	2025-01-15T10:00:00+00:00
7c24b6b9-1c0a-4c18-af00-62d5ac919645	84423881-7047-48dc-a2f9-66de2c09f28c	old-release	mentee	16	{"languages": ["lv"], "areas": ["education"], "place": "Riga", "remote": false, "hours_per_week": null, "community": [], "preferred_mentors": [], "excluded_mentors": [], "never_pair_with": []}	t	f	null	f	2025-01-15T10:00:00+00:00
bcce36c9-b386-42cd-a172-2d99ab891a8d	84423881-7047-48dc-a2f9-66de2c09f28c	old-release	mentee	16	{"languages": ["lv"], "areas": ["education"], "place": "Riga", "remote": false, "hours_per_week": null, "community": [], "preferred_mentors": [], "excluded_mentors": [], "never_pair_with": []}	t	f	null	f	2025-01-15T10:00:00+00:00
fa936321-8598-4737-959d-ca9a77a1379b	84423881-7047-48dc-a2f9-66de2c09f28c	old-release	mentee	16	{"languages": ["lv"], "areas": ["education"], "place": "Riga", "remote": false, "hours_per_week": null, "community": [], "preferred_mentors": [], "excluded_mentors": [], "never_pair_with": []}	t	f	null	f	2025-01-15T10:00:00+00:00
\.


--
-- Data for Name: match_people; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.match_people (person_id, tenant_id, vetting_cleared, erased) FROM stdin;
6e6ebb7c-17b7-44db-844a-4afac6dee6eb	old-release	\N	f
29729056-dac5-4a10-a31a-cc891c859659	old-release	\N	f
28b5ce3d-f2fc-40d3-b83c-eb8a2a3ef5d6	old-release	\N	f
359db67c-8693-4e11-ad1f-77da8ad4d0d5	old-release	\N	f
f1240f99-ade4-4725-b3e4-98286f0533d0	old-release	\N	f
7c24b6b9-1c0a-4c18-af00-62d5ac919645	old-release	\N	f
bcce36c9-b386-42cd-a172-2d99ab891a8d	old-release	\N	f
fa936321-8598-4737-959d-ca9a77a1379b	old-release	\N	f
\.


--
-- Data for Name: match_programmes; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.match_programmes (programme_id, tenant_id, time_zone, settings, mode, updated_at) FROM stdin;
84423881-7047-48dc-a2f9-66de2c09f28c	old-release	Europe/Riga	{"name": "Jaunie\\u0161u mentorings 2025", "description": null, "dates": {"meetings_start": "2025-03-01", "meetings_end": "2026-02-28", "mentor_registration_opens": "2025-01-01", "mentor_registration_closes": "2025-02-15", "mentee_registration_opens": "2025-01-01", "mentee_registration_closes": "2025-02-15", "matching_opens": null, "matching_round": null, "closing_event": null, "rolling_registration": true, "duration_months": {"min": 6, "max": 12}}, "people": {"mentor_capacity": {"min": 1, "max": 3, "default": 1}, "mentor_min_age": 20, "mentor_max_age": null, "mentee_min_age": 13, "mentee_max_age": 25, "team_size": null, "team_leaders_min": 1, "mentor_communities": []}, "rules": {"consent": {"rule": "guardian_for_minors", "school_year_starts": {"month": 9, "day": 1}, "age_of_majority": 18}, "training": {"rule": "not_required", "seminar_date": null, "seminar_minutes": null}, "vetting_required": false}, "content": {"areas": [{"id": "education", "labels": {"en": "Education", "lv": "Izgl\\u012bt\\u012bba"}}, {"id": "adolescence", "labels": {"en": "Understanding adolescence", "lv": "Pusaud\\u017eu att\\u012bst\\u012bba"}}, {"id": "relations", "labels": {"en": "Family and school relations", "lv": "Attiec\\u012bbas \\u0123imen\\u0113 un skol\\u0101"}}, {"id": "free_time", "labels": {"en": "Free time", "lv": "Br\\u012bvais laiks"}}, {"id": "peers", "labels": {"en": "Peers", "lv": "Vienaud\\u017ei"}}, {"id": "harmful_relations", "labels": {"en": "Leaving harmful relationships and addictions", "lv": "Atkar\\u012bbas"}, "sensitive": true}, {"id": "finance", "labels": {"en": "Financial literacy", "lv": "Finan\\u0161u prat\\u012bba"}}, {"id": "goals", "labels": {"en": "Goal setting", "lv": "M\\u0113r\\u0137u nosprau\\u0161ana"}}, {"id": "health", "labels": {"en": "Mental and physical health", "lv": "Vesel\\u012bba"}}, {"id": "self_care", "labels": {"en": "Self-care", "lv": "R\\u016bpes par sevi"}}, {"id": "other", "labels": {"en": "Other", "lv": "Cits"}}], "languages": ["lv", "ru", "en"], "remote_allowed": false, "cadence": {"min_per_month": 2, "max_per_month": null, "meeting_minutes": 60, "remote_counts": false}}, "matching": {"mode": "automatic", "participant_kind": "individual", "weights": {"areas": 4, "language": 3, "place": 2, "preferences": 3}, "shortlist_size": 3, "answer_days": 7, "same_place_required": false}}	automatic	2026-12-01T17:18:09.671906+00:00
\.


--
-- Data for Name: match_requests; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.match_requests (request_id, tenant_id, programme_id, mentor_id, mentee_id, choice_id, rank, score, parts, percent, status, requested_at, answer_by, closed_at, close_reason, pairing_id, version) FROM stdin;
\.


--
-- Data for Name: match_revisions; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.match_revisions (programme_id, tenant_id, revision, token) FROM stdin;
84423881-7047-48dc-a2f9-66de2c09f28c	old-release	19	4462a269297b425c8841f51875e590bb
\.


--
-- Data for Name: match_rounds; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.match_rounds (round_id, tenant_id, programme_id, paired, waiting, total_score, solver_seconds, superseded, completed_at) FROM stdin;
\.


--
-- Data for Name: match_shortlists; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.match_shortlists (programme_id, mentee_id, tenant_id, mentors, offered_at) FROM stdin;
\.


--
-- Data for Name: match_waiting; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.match_waiting (programme_id, mentee_id, tenant_id, reason, since, updated_at) FROM stdin;
84423881-7047-48dc-a2f9-66de2c09f28c	bcce36c9-b386-42cd-a172-2d99ab891a8d	old-release	no_capacity	2025-02-10T09:00:00+00:00	2025-02-10T09:00:00+00:00
84423881-7047-48dc-a2f9-66de2c09f28c	fa936321-8598-4737-959d-ca9a77a1379b	old-release	no_capacity	2025-02-10T09:00:00+00:00	2025-02-10T09:00:00+00:00
\.


--
-- Data for Name: outbox; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.outbox (global_position, tenant_id, exchange, enqueued_at) FROM stdin;
1	old-release	mentoring.events	2026-12-01 17:18:09.859626+00
4	old-release	mentoring.events	2026-12-01 17:18:09.873341+00
7	old-release	mentoring.events	2026-12-01 17:18:09.882573+00
10	old-release	mentoring.events	2026-12-01 17:18:09.89092+00
11	old-release	mentoring.events	2026-12-01 17:18:09.897491+00
\.


--
-- Data for Name: participant_programmes; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.participant_programmes (tenant_id, person_id, programme_id) FROM stdin;
\.


--
-- Data for Name: revoked_participants; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.revoked_participants (tenant_id, person_id, reason, revoked_at) FROM stdin;
\.


--
-- Data for Name: scheduled_jobs; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.scheduled_jobs (job_id, tenant_id, kind, job_key, due_at, payload, claimed_by, claimed_until, attempts, last_error, done_at) FROM stdin;
\.


--
-- Data for Name: stream_cursors; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.stream_cursors (consumer, tenant_id, stream_type, stream_id, "position") FROM stdin;
\.


--
-- Name: events_global_position_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.events_global_position_seq', 11, true);


--
-- Name: catchup_positions catchup_positions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catchup_positions
    ADD CONSTRAINT catchup_positions_pkey PRIMARY KEY (consumer, source);


--
-- Name: credentials credentials_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.credentials
    ADD CONSTRAINT credentials_pkey PRIMARY KEY (tenant_id, key_id);


--
-- Name: events events_event_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_event_id_key UNIQUE (event_id);


--
-- Name: events events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_pkey PRIMARY KEY (global_position);


--
-- Name: inbox inbox_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.inbox
    ADD CONSTRAINT inbox_pkey PRIMARY KEY (consumer, event_id);


--
-- Name: leases leases_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.leases
    ADD CONSTRAINT leases_pkey PRIMARY KEY (name);


--
-- Name: match_changes match_changes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.match_changes
    ADD CONSTRAINT match_changes_pkey PRIMARY KEY (programme_id, revision, person_id);


--
-- Name: match_choices match_choices_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.match_choices
    ADD CONSTRAINT match_choices_pkey PRIMARY KEY (programme_id, mentee_id);


--
-- Name: match_consents match_consents_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.match_consents
    ADD CONSTRAINT match_consents_pkey PRIMARY KEY (person_id, valid_from);


--
-- Name: match_pairings match_pairings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.match_pairings
    ADD CONSTRAINT match_pairings_pkey PRIMARY KEY (pairing_id);


--
-- Name: match_participants match_participants_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.match_participants
    ADD CONSTRAINT match_participants_pkey PRIMARY KEY (person_id, programme_id);


--
-- Name: match_people match_people_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.match_people
    ADD CONSTRAINT match_people_pkey PRIMARY KEY (person_id);


--
-- Name: match_programmes match_programmes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.match_programmes
    ADD CONSTRAINT match_programmes_pkey PRIMARY KEY (programme_id);


--
-- Name: match_requests match_requests_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.match_requests
    ADD CONSTRAINT match_requests_pkey PRIMARY KEY (request_id);


--
-- Name: match_revisions match_revisions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.match_revisions
    ADD CONSTRAINT match_revisions_pkey PRIMARY KEY (programme_id);


--
-- Name: match_rounds match_rounds_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.match_rounds
    ADD CONSTRAINT match_rounds_pkey PRIMARY KEY (round_id);


--
-- Name: match_shortlists match_shortlists_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.match_shortlists
    ADD CONSTRAINT match_shortlists_pkey PRIMARY KEY (programme_id, mentee_id);


--
-- Name: match_waiting match_waiting_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.match_waiting
    ADD CONSTRAINT match_waiting_pkey PRIMARY KEY (programme_id, mentee_id);


--
-- Name: outbox outbox_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT outbox_pkey PRIMARY KEY (global_position);


--
-- Name: participant_programmes participant_programmes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.participant_programmes
    ADD CONSTRAINT participant_programmes_pkey PRIMARY KEY (person_id, programme_id);


--
-- Name: revoked_participants revoked_participants_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.revoked_participants
    ADD CONSTRAINT revoked_participants_pkey PRIMARY KEY (person_id);


--
-- Name: scheduled_jobs scheduled_jobs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.scheduled_jobs
    ADD CONSTRAINT scheduled_jobs_pkey PRIMARY KEY (job_id);


--
-- Name: stream_cursors stream_cursors_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.stream_cursors
    ADD CONSTRAINT stream_cursors_pkey PRIMARY KEY (consumer, tenant_id, stream_type, stream_id);


--
-- Name: events uq_events_stream_position; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT uq_events_stream_position UNIQUE (stream_type, stream_id, stream_position);


--
-- Name: scheduled_jobs uq_scheduled_jobs_kind_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.scheduled_jobs
    ADD CONSTRAINT uq_scheduled_jobs_kind_key UNIQUE (kind, job_key);


--
-- Name: ix_events_tenant_position; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_events_tenant_position ON public.events USING btree (tenant_id, global_position);


--
-- Name: ix_match_pairings_mentee; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_match_pairings_mentee ON public.match_pairings USING btree (mentee_id, status);


--
-- Name: ix_match_pairings_mentor; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_match_pairings_mentor ON public.match_pairings USING btree (mentor_id, status);


--
-- Name: ix_match_pairings_programme; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_match_pairings_programme ON public.match_pairings USING btree (programme_id, status);


--
-- Name: ix_match_participants_programme; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_match_participants_programme ON public.match_participants USING btree (programme_id, role);


--
-- Name: ix_match_requests_mentor; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_match_requests_mentor ON public.match_requests USING btree (mentor_id, status);


--
-- Name: ix_match_requests_programme; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_match_requests_programme ON public.match_requests USING btree (programme_id, status);


--
-- Name: ix_scheduled_jobs_due; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_scheduled_jobs_due ON public.scheduled_jobs USING btree (done_at, due_at);


--
-- Name: credentials; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.credentials ENABLE ROW LEVEL SECURITY;

--
-- Name: events; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.events ENABLE ROW LEVEL SECURITY;

--
-- Name: inbox; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.inbox ENABLE ROW LEVEL SECURITY;

--
-- Name: match_changes; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.match_changes ENABLE ROW LEVEL SECURITY;

--
-- Name: match_choices; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.match_choices ENABLE ROW LEVEL SECURITY;

--
-- Name: match_consents; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.match_consents ENABLE ROW LEVEL SECURITY;

--
-- Name: match_pairings; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.match_pairings ENABLE ROW LEVEL SECURITY;

--
-- Name: match_participants; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.match_participants ENABLE ROW LEVEL SECURITY;

--
-- Name: match_people; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.match_people ENABLE ROW LEVEL SECURITY;

--
-- Name: match_programmes; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.match_programmes ENABLE ROW LEVEL SECURITY;

--
-- Name: match_requests; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.match_requests ENABLE ROW LEVEL SECURITY;

--
-- Name: match_revisions; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.match_revisions ENABLE ROW LEVEL SECURITY;

--
-- Name: match_rounds; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.match_rounds ENABLE ROW LEVEL SECURITY;

--
-- Name: match_shortlists; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.match_shortlists ENABLE ROW LEVEL SECURITY;

--
-- Name: match_waiting; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.match_waiting ENABLE ROW LEVEL SECURITY;

--
-- Name: outbox; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.outbox ENABLE ROW LEVEL SECURITY;

--
-- Name: participant_programmes; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.participant_programmes ENABLE ROW LEVEL SECURITY;

--
-- Name: revoked_participants; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.revoked_participants ENABLE ROW LEVEL SECURITY;

--
-- Name: scheduled_jobs; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.scheduled_jobs ENABLE ROW LEVEL SECURITY;

--
-- Name: stream_cursors; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.stream_cursors ENABLE ROW LEVEL SECURITY;

--
-- Name: credentials tenant_wall; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tenant_wall ON public.credentials TO mentoring_app USING (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true)))) WITH CHECK (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true))));


--
-- Name: events tenant_wall; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tenant_wall ON public.events TO mentoring_app USING (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true)))) WITH CHECK (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true))));


--
-- Name: inbox tenant_wall; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tenant_wall ON public.inbox TO mentoring_app USING (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true)))) WITH CHECK (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true))));


--
-- Name: match_changes tenant_wall; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tenant_wall ON public.match_changes TO mentoring_app USING (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true)))) WITH CHECK (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true))));


--
-- Name: match_choices tenant_wall; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tenant_wall ON public.match_choices TO mentoring_app USING (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true)))) WITH CHECK (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true))));


--
-- Name: match_consents tenant_wall; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tenant_wall ON public.match_consents TO mentoring_app USING (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true)))) WITH CHECK (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true))));


--
-- Name: match_pairings tenant_wall; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tenant_wall ON public.match_pairings TO mentoring_app USING (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true)))) WITH CHECK (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true))));


--
-- Name: match_participants tenant_wall; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tenant_wall ON public.match_participants TO mentoring_app USING (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true)))) WITH CHECK (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true))));


--
-- Name: match_people tenant_wall; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tenant_wall ON public.match_people TO mentoring_app USING (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true)))) WITH CHECK (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true))));


--
-- Name: match_programmes tenant_wall; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tenant_wall ON public.match_programmes TO mentoring_app USING (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true)))) WITH CHECK (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true))));


--
-- Name: match_requests tenant_wall; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tenant_wall ON public.match_requests TO mentoring_app USING (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true)))) WITH CHECK (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true))));


--
-- Name: match_revisions tenant_wall; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tenant_wall ON public.match_revisions TO mentoring_app USING (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true)))) WITH CHECK (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true))));


--
-- Name: match_rounds tenant_wall; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tenant_wall ON public.match_rounds TO mentoring_app USING (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true)))) WITH CHECK (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true))));


--
-- Name: match_shortlists tenant_wall; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tenant_wall ON public.match_shortlists TO mentoring_app USING (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true)))) WITH CHECK (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true))));


--
-- Name: match_waiting tenant_wall; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tenant_wall ON public.match_waiting TO mentoring_app USING (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true)))) WITH CHECK (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true))));


--
-- Name: outbox tenant_wall; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tenant_wall ON public.outbox TO mentoring_app USING (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true)))) WITH CHECK (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true))));


--
-- Name: participant_programmes tenant_wall; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tenant_wall ON public.participant_programmes TO mentoring_app USING (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true)))) WITH CHECK (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true))));


--
-- Name: revoked_participants tenant_wall; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tenant_wall ON public.revoked_participants TO mentoring_app USING (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true)))) WITH CHECK (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true))));


--
-- Name: scheduled_jobs tenant_wall; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tenant_wall ON public.scheduled_jobs TO mentoring_app USING (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true)))) WITH CHECK (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true))));


--
-- Name: stream_cursors tenant_wall; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tenant_wall ON public.stream_cursors TO mentoring_app USING (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true)))) WITH CHECK (((current_setting('app.tenant_id'::text, true) = '*'::text) OR ((tenant_id)::text = current_setting('app.tenant_id'::text, true))));


--
-- PostgreSQL database dump complete
--


