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
    stream_type character varying(40) NOT NULL,
    stream_id character varying(64) NOT NULL,
    tenant_id character varying(64) NOT NULL,
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
1	0059a269-7997-4da7-a4cd-6ea32a705d2b	old-release	tenant	old-release	1	TenantCreated	1	2026-12-01 17:18:07.362798+00	coordinator	k	0d9bacc1-426f-4abc-b77a-8ce2d290e8a1	\N	registration	{"created_at": "2025-01-15T10:00:00+00:00", "default_language": "lv", "kind": "foundation", "name": "Tenant", "time_zone": "Europe/Riga"}
2	54758059-6ede-489a-bf58-3cf2725a2631	old-release	tenant	old-release	2	TenantKeyRotated	1	2026-12-01 17:18:07.362798+00	coordinator	k	0d9bacc1-426f-4abc-b77a-8ce2d290e8a1	\N	registration	{"key_hash": "8e702ad91cf0dda0abada086fff850decf3303f4eb57f9425d2199603ef3574f", "key_id": "e8010db90e237e22", "revoked_key_ids": [], "rotated_at": "2025-01-15T10:00:00+00:00"}
3	6493ff42-4611-4c67-a7aa-20c60bf3f73c	old-release	programme	8df6eae4-40e2-4ee4-847d-12eeab00bcef	1	ProgrammeCreated	1	2026-12-01 17:18:07.36873+00	coordinator	k	58c7b6b8-6207-4882-be1f-841855f0a9ec	\N	registration	{"created_at": "2025-01-15T10:00:00+00:00", "settings": {"content": {"areas": [{"id": "education", "labels": {"en": "Education", "lv": "Izgl\\u012bt\\u012bba"}}, {"id": "adolescence", "labels": {"en": "Understanding adolescence", "lv": "Pusaud\\u017eu att\\u012bst\\u012bba"}}, {"id": "relations", "labels": {"en": "Family and school relations", "lv": "Attiec\\u012bbas \\u0123imen\\u0113 un skol\\u0101"}}, {"id": "free_time", "labels": {"en": "Free time", "lv": "Br\\u012bvais laiks"}}, {"id": "peers", "labels": {"en": "Peers", "lv": "Vienaud\\u017ei"}}, {"id": "harmful_relations", "labels": {"en": "Leaving harmful relationships and addictions", "lv": "Atkar\\u012bbas"}}, {"id": "finance", "labels": {"en": "Financial literacy", "lv": "Finan\\u0161u prat\\u012bba"}}, {"id": "goals", "labels": {"en": "Goal setting", "lv": "M\\u0113r\\u0137u nosprau\\u0161ana"}}, {"id": "health", "labels": {"en": "Mental and physical health", "lv": "Vesel\\u012bba"}}, {"id": "self_care", "labels": {"en": "Self-care", "lv": "R\\u016bpes par sevi"}}, {"id": "other", "labels": {"en": "Other", "lv": "Cits"}}], "cadence": {"max_per_month": null, "meeting_minutes": 60, "min_per_month": 2, "remote_counts": false}, "languages": ["lv", "ru", "en"], "remote_allowed": false}, "dates": {"closing_event": null, "duration_months": {"max": 12, "min": 6}, "matching_opens": null, "matching_round": null, "meetings_end": "2026-02-28", "meetings_start": "2025-03-01", "mentee_registration_closes": "2025-02-15", "mentee_registration_opens": "2025-01-01", "mentor_registration_closes": "2025-02-15", "mentor_registration_opens": "2025-01-01", "rolling_registration": true}, "description": null, "matching": {"answer_days": 7, "mode": "automatic", "participant_kind": "individual", "shortlist_size": 3, "weights": {"areas": 4, "language": 3, "place": 2, "preferences": 3}}, "name": "Jaunie\\u0161u mentorings 2025", "people": {"mentee_max_age": 25, "mentee_min_age": 13, "mentor_capacity": {"default": 1, "max": 3, "min": 1}, "mentor_communities": [], "mentor_max_age": null, "mentor_min_age": 20, "team_leaders_min": 1, "team_size": null}, "rules": {"consent": {"age_of_majority": 18, "rule": "guardian_for_minors", "school_year_starts": {"day": 1, "month": 9}}, "training": {"rule": "not_required", "seminar_date": null, "seminar_minutes": null}, "vetting_required": false}}, "time_zone": "Europe/Riga"}
4	81f6ee06-f219-4592-ae58-92cdbf563d85	old-release	person	441f33a1-7b27-4838-bad8-2e94fc8928d0	1	PersonRegistered	1	2026-12-01 17:18:07.373382+00	coordinator	k	ce6bac32-309a-457e-8152-f46c4d582190	\N	registration	{"kind": "individual", "personal": {"date_of_birth": "1985-04-01", "email": "ona@example.lt", "guardian": null, "name": "Ona Petraitien\\u0117", "phone": "+370 650 00000"}, "registered_at": "2025-01-15T10:00:00+00:00"}
5	c01528a5-8d36-4f50-bca8-63fb923e2d4f	old-release	person	441f33a1-7b27-4838-bad8-2e94fc8928d0	2	MentorRegistered	1	2026-12-01 17:18:07.373382+00	coordinator	k	ce6bac32-309a-457e-8152-f46c4d582190	\N	registration	{"age_at_start": 39, "profile": {"areas": ["education"], "capacity": 1, "community": [], "excluded_mentors": [], "hours_per_week": null, "languages": ["lv"], "never_pair_with": [], "place": "Riga", "preferred_mentors": [], "remote": false}, "programme_id": "8df6eae4-40e2-4ee4-847d-12eeab00bcef", "registered_at": "2025-01-15T10:00:00+00:00"}
6	9ad4c6a3-a003-436a-92ca-d8a14f99d724	old-release	person	c19025fe-4668-4387-9b42-dd2d91c92f8f	1	PersonRegistered	1	2026-12-01 17:18:07.377117+00	coordinator	k	00a41adb-c51b-42b4-ac06-7d06fe9d01b7	\N	registration	{"kind": "individual", "personal": {"date_of_birth": "1985-04-01", "email": "ona@example.lt", "guardian": null, "name": "Ona Petraitien\\u0117", "phone": "+370 650 00000"}, "registered_at": "2025-01-15T10:00:00+00:00"}
7	7a2896d5-c63c-4d45-9e8f-d5722b484641	old-release	person	c19025fe-4668-4387-9b42-dd2d91c92f8f	2	MentorRegistered	1	2026-12-01 17:18:07.377117+00	coordinator	k	00a41adb-c51b-42b4-ac06-7d06fe9d01b7	\N	registration	{"age_at_start": 39, "profile": {"areas": ["education"], "capacity": 1, "community": [], "excluded_mentors": [], "hours_per_week": null, "languages": ["lv"], "never_pair_with": [], "place": "Riga", "preferred_mentors": [], "remote": false}, "programme_id": "8df6eae4-40e2-4ee4-847d-12eeab00bcef", "registered_at": "2025-01-15T10:00:00+00:00"}
8	1a23c0fe-3c49-488f-b0af-06ea1064276a	old-release	person	372aef72-920b-45e2-b991-54debc45128c	1	PersonRegistered	1	2026-12-01 17:18:07.380464+00	coordinator	k	4f68e212-c9f1-4eb6-a7d8-ec74b758d2cc	\N	registration	{"kind": "individual", "personal": {"date_of_birth": "1985-04-01", "email": "ona@example.lt", "guardian": null, "name": "Ona Petraitien\\u0117", "phone": "+370 650 00000"}, "registered_at": "2025-01-15T10:00:00+00:00"}
9	20ad2e17-afb1-471c-884c-9a8d93296825	old-release	person	372aef72-920b-45e2-b991-54debc45128c	2	MentorRegistered	1	2026-12-01 17:18:07.380464+00	coordinator	k	4f68e212-c9f1-4eb6-a7d8-ec74b758d2cc	\N	registration	{"age_at_start": 39, "profile": {"areas": ["education"], "capacity": 1, "community": [], "excluded_mentors": [], "hours_per_week": null, "languages": ["lv"], "never_pair_with": [], "place": "Riga", "preferred_mentors": [], "remote": false}, "programme_id": "8df6eae4-40e2-4ee4-847d-12eeab00bcef", "registered_at": "2025-01-15T10:00:00+00:00"}
10	afd44072-ed1f-4e01-a84e-b734bd9c6f83	old-release	person	800257cd-0ea6-40bf-b256-eb466484c9b9	1	PersonRegistered	1	2026-12-01 17:18:07.383642+00	coordinator	k	38d105c9-bbe3-475b-878f-fc3f8b22fe4a	\N	registration	{"kind": "individual", "personal": {"date_of_birth": "2008-09-10", "email": "jonas@example.lt", "guardian": {"email": "rasa@example.lt", "name": "Rasa Jonaitien\\u0117", "phone": null}, "name": "Jonas Jonaitis", "phone": null}, "registered_at": "2025-01-15T10:00:00+00:00"}
11	41872e0e-f5cd-465c-a9ac-275a405f7cbd	old-release	person	800257cd-0ea6-40bf-b256-eb466484c9b9	2	MenteeRegistered	1	2026-12-01 17:18:07.383642+00	coordinator	k	38d105c9-bbe3-475b-878f-fc3f8b22fe4a	\N	registration	{"age_at_start": 16, "consent_required": true, "profile": {"areas": ["education"], "community": [], "excluded_mentors": [], "hours_per_week": null, "languages": ["lv"], "never_pair_with": [], "place": "Riga", "preferred_mentors": [], "remote": false}, "programme_id": "8df6eae4-40e2-4ee4-847d-12eeab00bcef", "registered_at": "2025-01-15T10:00:00+00:00"}
12	41559441-3aa8-40f4-a809-09b121181fa4	old-release	person	800257cd-0ea6-40bf-b256-eb466484c9b9	3	ConsentGiven	1	2026-12-01 17:18:07.38624+00	coordinator	k	339563a7-e6d2-428c-af34-36164ef7237e	\N	registration	{"given_at": "2025-01-15T10:00:00+00:00", "given_by": "guardian", "programme_id": "8df6eae4-40e2-4ee4-847d-12eeab00bcef", "valid_from": "2024-09-01", "valid_until": "2025-08-31"}
13	befa56fa-2eca-4dd3-860a-2d6353998080	old-release	person	35f6b5c8-5c04-43a5-8a60-946c3e0434f0	1	PersonRegistered	1	2026-12-01 17:18:07.388405+00	coordinator	k	97781df2-4cf0-4ab8-a81d-101187a9f75e	\N	registration	{"kind": "individual", "personal": {"date_of_birth": "2008-09-10", "email": "jonas@example.lt", "guardian": {"email": "rasa@example.lt", "name": "Rasa Jonaitien\\u0117", "phone": null}, "name": "Jonas Jonaitis", "phone": null}, "registered_at": "2025-01-15T10:00:00+00:00"}
14	cec06380-1866-4adf-86c6-cfeca5aa693a	old-release	person	35f6b5c8-5c04-43a5-8a60-946c3e0434f0	2	MenteeRegistered	1	2026-12-01 17:18:07.388405+00	coordinator	k	97781df2-4cf0-4ab8-a81d-101187a9f75e	\N	registration	{"age_at_start": 16, "consent_required": true, "profile": {"areas": ["education"], "community": [], "excluded_mentors": [], "hours_per_week": null, "languages": ["lv"], "never_pair_with": [], "place": "Riga", "preferred_mentors": [], "remote": false}, "programme_id": "8df6eae4-40e2-4ee4-847d-12eeab00bcef", "registered_at": "2025-01-15T10:00:00+00:00"}
15	9c4875e7-76e9-497e-8b8b-41e3ca02ab82	old-release	person	35f6b5c8-5c04-43a5-8a60-946c3e0434f0	3	ConsentGiven	1	2026-12-01 17:18:07.390536+00	coordinator	k	0a3a1171-92ec-4e0d-9809-4daf79260246	\N	registration	{"given_at": "2025-01-15T10:00:00+00:00", "given_by": "guardian", "programme_id": "8df6eae4-40e2-4ee4-847d-12eeab00bcef", "valid_from": "2024-09-01", "valid_until": "2025-08-31"}
16	cd89acc8-79a9-4b14-b9b4-54ee5b3e94a7	old-release	person	aeaef313-7f4a-4b86-81cd-6c03a13c1494	1	PersonRegistered	1	2026-12-01 17:18:07.395364+00	coordinator	k	cb9c58be-e1d1-4a25-9f50-675747497629	\N	registration	{"kind": "individual", "personal": {"date_of_birth": "2008-09-10", "email": "jonas@example.lt", "guardian": {"email": "rasa@example.lt", "name": "Rasa Jonaitien\\u0117", "phone": null}, "name": "Jonas Jonaitis", "phone": null}, "registered_at": "2025-01-15T10:00:00+00:00"}
17	70b38a95-1e5e-4f57-accb-fcf7f9bb18d7	old-release	person	aeaef313-7f4a-4b86-81cd-6c03a13c1494	2	MenteeRegistered	1	2026-12-01 17:18:07.395364+00	coordinator	k	cb9c58be-e1d1-4a25-9f50-675747497629	\N	registration	{"age_at_start": 16, "consent_required": true, "profile": {"areas": ["education"], "community": [], "excluded_mentors": [], "hours_per_week": null, "languages": ["lv"], "never_pair_with": [], "place": "Riga", "preferred_mentors": [], "remote": false}, "programme_id": "8df6eae4-40e2-4ee4-847d-12eeab00bcef", "registered_at": "2025-01-15T10:00:00+00:00"}
18	ae1823d3-4383-4c56-97f3-006befa894bd	old-release	person	aeaef313-7f4a-4b86-81cd-6c03a13c1494	3	ConsentGiven	1	2026-12-01 17:18:07.39889+00	coordinator	k	9ee4eba4-d155-4888-9f72-fd60053bfcfc	\N	registration	{"given_at": "2025-01-15T10:00:00+00:00", "given_by": "guardian", "programme_id": "8df6eae4-40e2-4ee4-847d-12eeab00bcef", "valid_from": "2024-09-01", "valid_until": "2025-08-31"}
19	8f06b8c6-be90-4c10-83f9-3fad2e044d34	old-release	person	4f731c8c-2787-4124-b2a0-63a0de9367d9	1	PersonRegistered	1	2026-12-01 17:18:07.40138+00	coordinator	k	9c19f7ad-67a9-44c6-b052-6b0c20214de4	\N	registration	{"kind": "individual", "personal": {"date_of_birth": "2008-09-10", "email": "jonas@example.lt", "guardian": {"email": "rasa@example.lt", "name": "Rasa Jonaitien\\u0117", "phone": null}, "name": "Jonas Jonaitis", "phone": null}, "registered_at": "2025-01-15T10:00:00+00:00"}
20	9d4d590a-0805-4c52-84ec-c75ce16004a8	old-release	person	4f731c8c-2787-4124-b2a0-63a0de9367d9	2	MenteeRegistered	1	2026-12-01 17:18:07.40138+00	coordinator	k	9c19f7ad-67a9-44c6-b052-6b0c20214de4	\N	registration	{"age_at_start": 16, "consent_required": true, "profile": {"areas": ["education"], "community": [], "excluded_mentors": [], "hours_per_week": null, "languages": ["lv"], "never_pair_with": [], "place": "Riga", "preferred_mentors": [], "remote": false}, "programme_id": "8df6eae4-40e2-4ee4-847d-12eeab00bcef", "registered_at": "2025-01-15T10:00:00+00:00"}
21	0b2e80dc-eba5-47d7-a233-8a954f7de80a	old-release	person	4f731c8c-2787-4124-b2a0-63a0de9367d9	3	ConsentGiven	1	2026-12-01 17:18:07.403871+00	coordinator	k	9ee28ce5-8396-4e4d-ae33-86ecbd3cedd4	\N	registration	{"given_at": "2025-01-15T10:00:00+00:00", "given_by": "guardian", "programme_id": "8df6eae4-40e2-4ee4-847d-12eeab00bcef", "valid_from": "2024-09-01", "valid_until": "2025-08-31"}
22	05b5955f-df07-4b25-8543-d7ebd13c80ff	old-release	person	37771f81-a58b-4247-a99a-951a337619a0	1	PersonRegistered	1	2026-12-01 17:18:07.40601+00	coordinator	k	2854c7a7-cb6f-445c-afec-08a96041f789	\N	registration	{"kind": "individual", "personal": {"date_of_birth": "2008-09-10", "email": "jonas@example.lt", "guardian": {"email": "rasa@example.lt", "name": "Rasa Jonaitien\\u0117", "phone": null}, "name": "Jonas Jonaitis", "phone": null}, "registered_at": "2025-01-15T10:00:00+00:00"}
23	b8d352f5-7999-40ba-9d44-26b424b55853	old-release	person	37771f81-a58b-4247-a99a-951a337619a0	2	MenteeRegistered	1	2026-12-01 17:18:07.40601+00	coordinator	k	2854c7a7-cb6f-445c-afec-08a96041f789	\N	registration	{"age_at_start": 16, "consent_required": true, "profile": {"areas": ["education"], "community": [], "excluded_mentors": [], "hours_per_week": null, "languages": ["lv"], "never_pair_with": [], "place": "Riga", "preferred_mentors": [], "remote": false}, "programme_id": "8df6eae4-40e2-4ee4-847d-12eeab00bcef", "registered_at": "2025-01-15T10:00:00+00:00"}
24	b32131f2-faf0-4c5f-a452-276e7f6820b5	old-release	person	37771f81-a58b-4247-a99a-951a337619a0	3	ConsentGiven	1	2026-12-01 17:18:07.409136+00	coordinator	k	d9249c1b-bf65-4af7-bfe4-0906815aa7f9	\N	registration	{"given_at": "2025-01-15T10:00:00+00:00", "given_by": "guardian", "programme_id": "8df6eae4-40e2-4ee4-847d-12eeab00bcef", "valid_from": "2024-09-01", "valid_until": "2025-08-31"}
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
1	old-release	mentoring.events	2026-12-01 17:18:07.362798+00
2	old-release	mentoring.internal	2026-12-01 17:18:07.362798+00
3	old-release	mentoring.events	2026-12-01 17:18:07.36873+00
4	old-release	mentoring.events	2026-12-01 17:18:07.373382+00
5	old-release	mentoring.events	2026-12-01 17:18:07.373382+00
6	old-release	mentoring.events	2026-12-01 17:18:07.377117+00
7	old-release	mentoring.events	2026-12-01 17:18:07.377117+00
8	old-release	mentoring.events	2026-12-01 17:18:07.380464+00
9	old-release	mentoring.events	2026-12-01 17:18:07.380464+00
10	old-release	mentoring.events	2026-12-01 17:18:07.383642+00
11	old-release	mentoring.events	2026-12-01 17:18:07.383642+00
12	old-release	mentoring.events	2026-12-01 17:18:07.38624+00
13	old-release	mentoring.events	2026-12-01 17:18:07.388405+00
14	old-release	mentoring.events	2026-12-01 17:18:07.388405+00
15	old-release	mentoring.events	2026-12-01 17:18:07.390536+00
16	old-release	mentoring.events	2026-12-01 17:18:07.395364+00
17	old-release	mentoring.events	2026-12-01 17:18:07.395364+00
18	old-release	mentoring.events	2026-12-01 17:18:07.39889+00
19	old-release	mentoring.events	2026-12-01 17:18:07.40138+00
20	old-release	mentoring.events	2026-12-01 17:18:07.40138+00
21	old-release	mentoring.events	2026-12-01 17:18:07.403871+00
22	old-release	mentoring.events	2026-12-01 17:18:07.40601+00
23	old-release	mentoring.events	2026-12-01 17:18:07.40601+00
24	old-release	mentoring.events	2026-12-01 17:18:07.409136+00
\.


--
-- Data for Name: scheduled_jobs; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.scheduled_jobs (job_id, tenant_id, kind, job_key, due_at, payload, claimed_by, claimed_until, attempts, last_error, done_at) FROM stdin;
\.


--
-- Data for Name: stream_cursors; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.stream_cursors (consumer, stream_type, stream_id, tenant_id, "position") FROM stdin;
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
    ADD CONSTRAINT stream_cursors_pkey PRIMARY KEY (consumer, stream_type, stream_id);


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
    close_reason character varying(40),
    pairing_id character varying(64),
    version integer NOT NULL
);

ALTER TABLE ONLY public.match_requests FORCE ROW LEVEL SECURITY;


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
    stream_type character varying(40) NOT NULL,
    stream_id character varying(64) NOT NULL,
    tenant_id character varying(64) NOT NULL,
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
1	470c7ac0-6865-4a90-b2e1-7f45f51d06cc	old-release	pairing	cbffd7fc-7e09-46f6-b56a-d4ff682340b3	1	PairingConfirmed	1	2025-02-10 09:00:00+00	system	\N	770d9167-391c-44dd-842f-18a6b71bfc31	\N	matching	{"confirmed_at": "2025-02-10T09:00:00+00:00", "confirmed_by": "automatic", "mentee_id": "800257cd-0ea6-40bf-b256-eb466484c9b9", "mentor_id": "372aef72-920b-45e2-b991-54debc45128c", "mode": "automatic", "origin": "placement", "parts": {"areas": 12, "languages": 0, "place": 6, "preferred": 0}, "percent": 100, "programme_id": "8df6eae4-40e2-4ee4-847d-12eeab00bcef", "score": 18}
2	7e0c88d2-fc8c-449e-b85b-5e3dedb45fc6	old-release	matchmentor	372aef72-920b-45e2-b991-54debc45128c	1	MentorSlotTaken	1	2025-02-10 09:00:00+00	system	\N	770d9167-391c-44dd-842f-18a6b71bfc31	\N	matching	{"mentee_id": "800257cd-0ea6-40bf-b256-eb466484c9b9", "pairing_id": "cbffd7fc-7e09-46f6-b56a-d4ff682340b3", "programme_id": "8df6eae4-40e2-4ee4-847d-12eeab00bcef"}
3	491a1164-ec5e-4542-90e7-0146b36c48e0	old-release	matchmentee	800257cd-0ea6-40bf-b256-eb466484c9b9	1	MenteePlaced	1	2025-02-10 09:00:00+00	system	\N	770d9167-391c-44dd-842f-18a6b71bfc31	\N	matching	{"mentor_id": "372aef72-920b-45e2-b991-54debc45128c", "pairing_id": "cbffd7fc-7e09-46f6-b56a-d4ff682340b3", "programme_id": "8df6eae4-40e2-4ee4-847d-12eeab00bcef"}
4	f7a975e3-c420-4a96-aa62-5a6f80746d3f	old-release	pairing	93ea9468-02fa-4c44-8dbe-b2ecaf92ded9	1	PairingConfirmed	1	2025-02-10 09:00:00+00	system	\N	79d0a0e1-cffa-4a3e-a7e0-6ed685f032c8	\N	matching	{"confirmed_at": "2025-02-10T09:00:00+00:00", "confirmed_by": "automatic", "mentee_id": "35f6b5c8-5c04-43a5-8a60-946c3e0434f0", "mentor_id": "441f33a1-7b27-4838-bad8-2e94fc8928d0", "mode": "automatic", "origin": "placement", "parts": {"areas": 12, "languages": 0, "place": 6, "preferred": 0}, "percent": 100, "programme_id": "8df6eae4-40e2-4ee4-847d-12eeab00bcef", "score": 18}
5	0885687d-1237-47a0-9104-f9590b56672b	old-release	matchmentor	441f33a1-7b27-4838-bad8-2e94fc8928d0	1	MentorSlotTaken	1	2025-02-10 09:00:00+00	system	\N	79d0a0e1-cffa-4a3e-a7e0-6ed685f032c8	\N	matching	{"mentee_id": "35f6b5c8-5c04-43a5-8a60-946c3e0434f0", "pairing_id": "93ea9468-02fa-4c44-8dbe-b2ecaf92ded9", "programme_id": "8df6eae4-40e2-4ee4-847d-12eeab00bcef"}
6	ef1ccec0-4d5c-4205-90d5-a3a814e90f62	old-release	matchmentee	35f6b5c8-5c04-43a5-8a60-946c3e0434f0	1	MenteePlaced	1	2025-02-10 09:00:00+00	system	\N	79d0a0e1-cffa-4a3e-a7e0-6ed685f032c8	\N	matching	{"mentor_id": "441f33a1-7b27-4838-bad8-2e94fc8928d0", "pairing_id": "93ea9468-02fa-4c44-8dbe-b2ecaf92ded9", "programme_id": "8df6eae4-40e2-4ee4-847d-12eeab00bcef"}
7	30e172bd-d426-44c0-9ff6-73603fa2562b	old-release	pairing	b657fcfb-c53f-4538-842b-44d5a2586f11	1	PairingConfirmed	1	2025-02-10 09:00:00+00	system	\N	364ad4e6-9ce5-4a74-b349-27222e9fa40c	\N	matching	{"confirmed_at": "2025-02-10T09:00:00+00:00", "confirmed_by": "automatic", "mentee_id": "aeaef313-7f4a-4b86-81cd-6c03a13c1494", "mentor_id": "c19025fe-4668-4387-9b42-dd2d91c92f8f", "mode": "automatic", "origin": "placement", "parts": {"areas": 12, "languages": 0, "place": 6, "preferred": 0}, "percent": 100, "programme_id": "8df6eae4-40e2-4ee4-847d-12eeab00bcef", "score": 18}
8	f954310a-11f1-4639-9349-2c59ae678f78	old-release	matchmentor	c19025fe-4668-4387-9b42-dd2d91c92f8f	1	MentorSlotTaken	1	2025-02-10 09:00:00+00	system	\N	364ad4e6-9ce5-4a74-b349-27222e9fa40c	\N	matching	{"mentee_id": "aeaef313-7f4a-4b86-81cd-6c03a13c1494", "pairing_id": "b657fcfb-c53f-4538-842b-44d5a2586f11", "programme_id": "8df6eae4-40e2-4ee4-847d-12eeab00bcef"}
9	5ff4dfed-7717-4396-a48e-4dd2e35bde4b	old-release	matchmentee	aeaef313-7f4a-4b86-81cd-6c03a13c1494	1	MenteePlaced	1	2025-02-10 09:00:00+00	system	\N	364ad4e6-9ce5-4a74-b349-27222e9fa40c	\N	matching	{"mentor_id": "c19025fe-4668-4387-9b42-dd2d91c92f8f", "pairing_id": "b657fcfb-c53f-4538-842b-44d5a2586f11", "programme_id": "8df6eae4-40e2-4ee4-847d-12eeab00bcef"}
10	57922bda-9f11-46d5-9af2-1aad603b5374	old-release	matchmentee	4f731c8c-2787-4124-b2a0-63a0de9367d9	1	MenteeWaitlisted	1	2025-02-10 09:00:00+00	system	\N	55885dce-8223-4adf-ab6c-f427c9af60b2	\N	matching	{"programme_id": "8df6eae4-40e2-4ee4-847d-12eeab00bcef", "reason": "no_capacity", "waitlisted_at": "2025-02-10T09:00:00+00:00"}
11	6eec526c-6dd1-4ff7-87d1-a714128d62e6	old-release	matchmentee	37771f81-a58b-4247-a99a-951a337619a0	1	MenteeWaitlisted	1	2025-02-10 09:00:00+00	system	\N	3ef91e70-3b71-47f2-9d2a-14dea06232a7	\N	matching	{"programme_id": "8df6eae4-40e2-4ee4-847d-12eeab00bcef", "reason": "no_capacity", "waitlisted_at": "2025-02-10T09:00:00+00:00"}
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
-- Data for Name: match_choices; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.match_choices (programme_id, mentee_id, tenant_id, choice_id, mentor_ids, chosen_at) FROM stdin;
\.


--
-- Data for Name: match_consents; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.match_consents (person_id, valid_from, tenant_id, valid_until, withdrawn_on) FROM stdin;
800257cd-0ea6-40bf-b256-eb466484c9b9	2024-09-01	old-release	2025-08-31	\N
35f6b5c8-5c04-43a5-8a60-946c3e0434f0	2024-09-01	old-release	2025-08-31	\N
aeaef313-7f4a-4b86-81cd-6c03a13c1494	2024-09-01	old-release	2025-08-31	\N
4f731c8c-2787-4124-b2a0-63a0de9367d9	2024-09-01	old-release	2025-08-31	\N
37771f81-a58b-4247-a99a-951a337619a0	2024-09-01	old-release	2025-08-31	\N
\.


--
-- Data for Name: match_pairings; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.match_pairings (pairing_id, tenant_id, programme_id, mentor_id, mentee_id, status, mode, origin, score, parts, percent, created_at, confirmed_at, confirmed_by, closed_at, close_reason, closed_by, version) FROM stdin;
cbffd7fc-7e09-46f6-b56a-d4ff682340b3	old-release	8df6eae4-40e2-4ee4-847d-12eeab00bcef	372aef72-920b-45e2-b991-54debc45128c	800257cd-0ea6-40bf-b256-eb466484c9b9	confirmed	automatic	placement	18	{"areas": 12, "place": 6, "preferred": 0, "languages": 0}	100	2025-02-10T09:00:00+00:00	2025-02-10T09:00:00+00:00	automatic	\N	\N	\N	1
93ea9468-02fa-4c44-8dbe-b2ecaf92ded9	old-release	8df6eae4-40e2-4ee4-847d-12eeab00bcef	441f33a1-7b27-4838-bad8-2e94fc8928d0	35f6b5c8-5c04-43a5-8a60-946c3e0434f0	confirmed	automatic	placement	18	{"areas": 12, "place": 6, "preferred": 0, "languages": 0}	100	2025-02-10T09:00:00+00:00	2025-02-10T09:00:00+00:00	automatic	\N	\N	\N	1
b657fcfb-c53f-4538-842b-44d5a2586f11	old-release	8df6eae4-40e2-4ee4-847d-12eeab00bcef	c19025fe-4668-4387-9b42-dd2d91c92f8f	aeaef313-7f4a-4b86-81cd-6c03a13c1494	confirmed	automatic	placement	18	{"areas": 12, "place": 6, "preferred": 0, "languages": 0}	100	2025-02-10T09:00:00+00:00	2025-02-10T09:00:00+00:00	automatic	\N	\N	\N	1
\.


--
-- Data for Name: match_participants; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.match_participants (person_id, programme_id, tenant_id, role, age, profile, consent_required, training, team_need, withdrawn, registered_at) FROM stdin;
441f33a1-7b27-4838-bad8-2e94fc8928d0	8df6eae4-40e2-4ee4-847d-12eeab00bcef	old-release	mentor	39	{"languages": ["lv"], "areas": ["education"], "place": "Riga", "remote": false, "hours_per_week": null, "community": [], "preferred_mentors": [], "excluded_mentors": [], "never_pair_with": [], "capacity": 1}	f	f	null	f	2025-01-15T10:00:00+00:00
c19025fe-4668-4387-9b42-dd2d91c92f8f	8df6eae4-40e2-4ee4-847d-12eeab00bcef	old-release	mentor	39	{"languages": ["lv"], "areas": ["education"], "place": "Riga", "remote": false, "hours_per_week": null, "community": [], "preferred_mentors": [], "excluded_mentors": [], "never_pair_with": [], "capacity": 1}	f	f	null	f	2025-01-15T10:00:00+00:00
372aef72-920b-45e2-b991-54debc45128c	8df6eae4-40e2-4ee4-847d-12eeab00bcef	old-release	mentor	39	{"languages": ["lv"], "areas": ["education"], "place": "Riga", "remote": false, "hours_per_week": null, "community": [], "preferred_mentors": [], "excluded_mentors": [], "never_pair_with": [], "capacity": 1}	f	f	null	f	2025-01-15T10:00:00+00:00
800257cd-0ea6-40bf-b256-eb466484c9b9	8df6eae4-40e2-4ee4-847d-12eeab00bcef	old-release	mentee	16	{"languages": ["lv"], "areas": ["education"], "place": "Riga", "remote": false, "hours_per_week": null, "community": [], "preferred_mentors": [], "excluded_mentors": [], "never_pair_with": []}	t	f	null	f	2025-01-15T10:00:00+00:00
35f6b5c8-5c04-43a5-8a60-946c3e0434f0	8df6eae4-40e2-4ee4-847d-12eeab00bcef	old-release	mentee	16	{"languages": ["lv"], "areas": ["education"], "place": "Riga", "remote": false, "hours_per_week": null, "community": [], "preferred_mentors": [], "excluded_mentors": [], "never_pair_with": []}	t	f	null	f	2025-01-15T10:00:00+00:00
aeaef313-7f4a-4b86-81cd-6c03a13c1494	8df6eae4-40e2-4ee4-847d-12eeab00bcef	old-release	mentee	16	{"languages": ["lv"], "areas": ["education"], "place": "Riga", "remote": false, "hours_per_week": null, "community": [], "preferred_mentors": [], "excluded_mentors": [], "never_pair_with": []}	t	f	null	f	2025-01-15T10:00:00+00:00
4f731c8c-2787-4124-b2a0-63a0de9367d9	8df6eae4-40e2-4ee4-847d-12eeab00bcef	old-release	mentee	16	{"languages": ["lv"], "areas": ["education"], "place": "Riga", "remote": false, "hours_per_week": null, "community": [], "preferred_mentors": [], "excluded_mentors": [], "never_pair_with": []}	t	f	null	f	2025-01-15T10:00:00+00:00
37771f81-a58b-4247-a99a-951a337619a0	8df6eae4-40e2-4ee4-847d-12eeab00bcef	old-release	mentee	16	{"languages": ["lv"], "areas": ["education"], "place": "Riga", "remote": false, "hours_per_week": null, "community": [], "preferred_mentors": [], "excluded_mentors": [], "never_pair_with": []}	t	f	null	f	2025-01-15T10:00:00+00:00
\.


--
-- Data for Name: match_people; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.match_people (person_id, tenant_id, vetting_cleared, erased) FROM stdin;
441f33a1-7b27-4838-bad8-2e94fc8928d0	old-release	\N	f
c19025fe-4668-4387-9b42-dd2d91c92f8f	old-release	\N	f
372aef72-920b-45e2-b991-54debc45128c	old-release	\N	f
800257cd-0ea6-40bf-b256-eb466484c9b9	old-release	\N	f
35f6b5c8-5c04-43a5-8a60-946c3e0434f0	old-release	\N	f
aeaef313-7f4a-4b86-81cd-6c03a13c1494	old-release	\N	f
4f731c8c-2787-4124-b2a0-63a0de9367d9	old-release	\N	f
37771f81-a58b-4247-a99a-951a337619a0	old-release	\N	f
\.


--
-- Data for Name: match_programmes; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.match_programmes (programme_id, tenant_id, time_zone, settings, mode, updated_at) FROM stdin;
8df6eae4-40e2-4ee4-847d-12eeab00bcef	old-release	Europe/Riga	{"name": "Jaunie\\u0161u mentorings 2025", "description": null, "dates": {"meetings_start": "2025-03-01", "meetings_end": "2026-02-28", "mentor_registration_opens": "2025-01-01", "mentor_registration_closes": "2025-02-15", "mentee_registration_opens": "2025-01-01", "mentee_registration_closes": "2025-02-15", "matching_opens": null, "matching_round": null, "closing_event": null, "rolling_registration": true, "duration_months": {"min": 6, "max": 12}}, "people": {"mentor_capacity": {"min": 1, "max": 3, "default": 1}, "mentor_min_age": 20, "mentor_max_age": null, "mentee_min_age": 13, "mentee_max_age": 25, "team_size": null, "team_leaders_min": 1, "mentor_communities": []}, "rules": {"consent": {"rule": "guardian_for_minors", "school_year_starts": {"month": 9, "day": 1}, "age_of_majority": 18}, "training": {"rule": "not_required", "seminar_date": null, "seminar_minutes": null}, "vetting_required": false}, "content": {"areas": [{"id": "education", "labels": {"en": "Education", "lv": "Izgl\\u012bt\\u012bba"}}, {"id": "adolescence", "labels": {"en": "Understanding adolescence", "lv": "Pusaud\\u017eu att\\u012bst\\u012bba"}}, {"id": "relations", "labels": {"en": "Family and school relations", "lv": "Attiec\\u012bbas \\u0123imen\\u0113 un skol\\u0101"}}, {"id": "free_time", "labels": {"en": "Free time", "lv": "Br\\u012bvais laiks"}}, {"id": "peers", "labels": {"en": "Peers", "lv": "Vienaud\\u017ei"}}, {"id": "harmful_relations", "labels": {"en": "Leaving harmful relationships and addictions", "lv": "Atkar\\u012bbas"}}, {"id": "finance", "labels": {"en": "Financial literacy", "lv": "Finan\\u0161u prat\\u012bba"}}, {"id": "goals", "labels": {"en": "Goal setting", "lv": "M\\u0113r\\u0137u nosprau\\u0161ana"}}, {"id": "health", "labels": {"en": "Mental and physical health", "lv": "Vesel\\u012bba"}}, {"id": "self_care", "labels": {"en": "Self-care", "lv": "R\\u016bpes par sevi"}}, {"id": "other", "labels": {"en": "Other", "lv": "Cits"}}], "languages": ["lv", "ru", "en"], "remote_allowed": false, "cadence": {"min_per_month": 2, "max_per_month": null, "meeting_minutes": 60, "remote_counts": false}}, "matching": {"mode": "automatic", "participant_kind": "individual", "weights": {"areas": 4, "language": 3, "place": 2, "preferences": 3}, "shortlist_size": 3, "answer_days": 7}}	automatic	2026-12-01T17:18:07.368730+00:00
\.


--
-- Data for Name: match_requests; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.match_requests (request_id, tenant_id, programme_id, mentor_id, mentee_id, choice_id, rank, score, parts, percent, status, requested_at, answer_by, closed_at, close_reason, pairing_id, version) FROM stdin;
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
8df6eae4-40e2-4ee4-847d-12eeab00bcef	4f731c8c-2787-4124-b2a0-63a0de9367d9	old-release	no_capacity	2025-02-10T09:00:00+00:00	2025-02-10T09:00:00+00:00
8df6eae4-40e2-4ee4-847d-12eeab00bcef	37771f81-a58b-4247-a99a-951a337619a0	old-release	no_capacity	2025-02-10T09:00:00+00:00	2025-02-10T09:00:00+00:00
\.


--
-- Data for Name: outbox; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.outbox (global_position, tenant_id, exchange, enqueued_at) FROM stdin;
1	old-release	mentoring.events	2025-02-10 09:00:00+00
4	old-release	mentoring.events	2025-02-10 09:00:00+00
7	old-release	mentoring.events	2025-02-10 09:00:00+00
10	old-release	mentoring.events	2025-02-10 09:00:00+00
11	old-release	mentoring.events	2025-02-10 09:00:00+00
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

COPY public.stream_cursors (consumer, stream_type, stream_id, tenant_id, "position") FROM stdin;
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
    ADD CONSTRAINT stream_cursors_pkey PRIMARY KEY (consumer, stream_type, stream_id);


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


